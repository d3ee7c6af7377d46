// Makes weights/calibration.json: the impostor score tails behind the default thresholds, measured on the
// development identities (see src/evaluation/calibrate.ts for the recipe and the split).
// Run: node --import tsx scripts/calibrate.ts [--manifest ../shared/data/lfw-dev/manifest.tsv] [--out <json>]
import { UsageError } from "../src/cli/args.ts";
import { runCalibrate } from "../src/cli/commands/calibrate.ts";

try {
  process.exitCode = await runCalibrate(process.argv.slice(2));
} catch (err) {
  console.error(`calibrate: ${(err as Error).message}`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
