import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { calibrate } from "../../evaluation/calibrate.ts";
import { loadAnalyses } from "../../evaluation/load-analyses.ts";
import { splitOf } from "../../evaluation/split.ts";
import { analyzeSyntheticMasked } from "../../evaluation/synthetic-masked.ts";
import { thresholdFor } from "../../recognition/calibration.ts";
import { defaultCalibrationPath } from "../../recognition/recognizer.ts";
import { PACKAGE_ROOT, WEIGHTS_DIR } from "../../vision/factory.ts";
import { VisionClient } from "../../vision/worker/vision-client.ts";
import { parseCommandArgs, UsageError } from "../args.ts";
import { readManifestForCommand } from "../manifest.ts";
import { visionConfigFrom, visionFlags } from "../vision-options.ts";

export const DEFAULT_MANIFEST = "../shared/data/lfw-dev/manifest.tsv";

/** `node --import tsx scripts/calibrate.ts [--manifest <tsv>] [--out <json>] [--cache <file> | --no-cache]` */
export async function runCalibrate(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    manifest: { type: "string" },
    out: { type: "string" },
    cache: { type: "string" },
    "no-cache": { type: "boolean" },
    "masked-path": { type: "string" },
    ...visionFlags,
  });
  const manifestPath = resolve(values.manifest ?? DEFAULT_MANIFEST);
  const out = values.out ?? defaultCalibrationPath(WEIGHTS_DIR);
  const rows = readManifestForCommand(manifestPath);
  const vision = new VisionClient(visionConfigFrom(values));
  await vision.start();
  try {
    const analyses = await loadAnalyses(vision, rows, values["no-cache"] ? false : values.cache);
    // The provenance names the manifest relative to the package, so the committed file holds no local paths.
    const source = relative(PACKAGE_ROOT, manifestPath);
    // Masked path: the unmasked photos with the lower face greyed (default: with the mask's directions projected
    // out, what is left of a mask above the nose no longer decides the score), or synthetic-masked twins
    // (more conservative: ~5 points of masked ID fewer on lfw-dev, no stranger named).
    const mode = values["masked-path"] ?? "greyed";
    if (mode !== "synthetic" && mode !== "greyed")
      throw new UsageError("--masked-path is synthetic or greyed");
    const calibrationRows = rows.filter(
      (r) => !r.masked && (r.role === "probe" || (r.role === "unknown" && splitOf(r.identity) === "A")),
    );
    const twins =
      mode === "synthetic"
        ? await analyzeSyntheticMasked(
            calibrationRows.map((r) => r.path),
            analyses,
            vision,
            values["no-cache"] ? false : values.cache,
          )
        : undefined;
    const { calibration, impostors, gallerySize, passes } = calibrate(
      rows,
      analyses,
      vision.embedderId,
      vision.embedderDim,
      source,
      twins,
    );
    if (impostors.scores.full.length < 100) {
      throw new Error(`only ${impostors.scores.full.length} impostor comparisons: too few to calibrate`);
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(calibration, null, 2)}\n`);
    console.log(calibration.provenance);
    console.log(`enrollment passes: ${passes}; embedder ${vision.embedderId}`);
    for (const n of [1, 10, gallerySize, 100]) {
      const f = thresholdFor(calibration, "full", n) ?? Number.NaN;
      const u = thresholdFor(calibration, "upper", n) ?? Number.NaN;
      console.log(`threshold for ${n} people: full ${f.toFixed(4)}, upper ${u.toFixed(4)}`);
    }
    console.log(`written ${out}`);
    return 0;
  } finally {
    await vision.stop();
  }
}
