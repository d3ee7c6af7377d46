import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { evaluate } from "../../evaluation/evaluate.ts";
import { loadAnalyses } from "../../evaluation/load-analyses.ts";
import { markdownReport } from "../../evaluation/markdown.ts";
import { writePlots } from "../../evaluation/plots.ts";
import type { StrangerSplit } from "../../evaluation/report.ts";
import { calibrationFor, defaultCalibrationPath } from "../../recognition/recognizer.ts";
import { WEIGHTS_DIR } from "../../vision/factory.ts";
import { VisionClient } from "../../vision/worker/vision-client.ts";
import { parseCommandArgs, requireOption, UsageError } from "../args.ts";
import { readManifestForCommand } from "../manifest.ts";
import { visionConfigFrom, visionFlags } from "../vision-options.ts";

export const evalUsage = `facegate eval --manifest <manifest.tsv> [--json <file>] [--plots <dir>] [--split B|A|all] [--cache <file> | --no-cache]
  Enrolls the manifest's enroll rows into an in-memory gallery and identifies every probe and unknown row with
  the calibrated thresholds (what \`facegate identify\` would say); prints a markdown table per condition
  (unmasked / masked photos). --split picks the never-enrolled people behind the headline false-accept rate,
  TAR@FAR and curves: B (default, not used to calibrate), A or all; A, B and all are always listed.
  Analyses are cached per image (sha256 + model ids) in ~/.cache/facegate unless --cache/--no-cache.`;

const SPLITS: StrangerSplit[] = ["A", "B", "all"];

export async function runEval(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    manifest: { type: "string" },
    json: { type: "string" },
    plots: { type: "string" },
    split: { type: "string" },
    cache: { type: "string" },
    "no-cache": { type: "boolean" },
    ...visionFlags,
  });
  const manifestPath = requireOption(values.manifest, "--manifest");
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const split = (values.split ?? "B") as StrangerSplit;
  if (!SPLITS.includes(split)) throw new UsageError("--split must be A, B or all");
  if (values.cache && values["no-cache"]) throw new UsageError("give --cache or --no-cache, not both");
  const rows = readManifestForCommand(manifestPath);

  const vision = new VisionClient(visionConfigFrom(values));
  await vision.start();
  try {
    const analyses = await loadAnalyses(vision, rows, values["no-cache"] ? false : values.cache);
    const calibration = calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId);
    const { report, plots } = evaluate(
      rows,
      analyses,
      {
        embedder: vision.embedderId,
        dim: vision.embedderDim,
        detector: vision.detectorId,
        maskClassifier: vision.maskClassifierId,
        upperProjection: vision.upperProjectionId,
      },
      calibration,
      split,
      resolve(manifestPath),
    );
    console.log(markdownReport(report));
    if (values.json) {
      writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
      console.error(`report written to ${values.json}`);
    }
    if (values.plots) {
      const written = await writePlots(values.plots, plots, split);
      console.error(`plots written: ${written.join(", ")}`);
    }
    return 0;
  } finally {
    await vision.stop();
  }
}
