/**
 * Does sending a gallery with i8 vectors (what `facegate fleet publish` does when float32 would not fit in one
 * envelope) change what the doors decide? Enrolls lfw-dev's enroll photos with the product's enrollment code,
 * round-trips the gallery through the i8 encoding of the gallery owner, and identifies every probe and stranger
 * photo (unmasked and masked) with both galleries and the same calibrated thresholds.
 *
 *   node --import tsx scripts/fleet-quantization.ts [--manifest ../shared/data/lfw-dev/manifest.tsv]
 *
 * Analyses come from the evaluation cache (~/.cache/facegate), like `facegate eval`.
 */
import { parseArgs } from "node:util";
import { productEvalGallery } from "../src/evaluation/eval-gallery.ts";
import { identifyRows } from "../src/evaluation/identify-rows.ts";
import { loadAnalyses } from "../src/evaluation/load-analyses.ts";
import { readManifest } from "../src/evaluation/manifest.ts";
import { parseGallery, serializeGallery } from "../src/recognition/gallery-file.ts";
import { buildMatcher } from "../src/recognition/recognizer.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";

const { values } = parseArgs({
  options: { manifest: { type: "string", default: "../shared/data/lfw-dev/manifest.tsv" } },
});
const rows = readManifest(values.manifest as string);
const vision = new VisionClient({});
await vision.start();
try {
  const analyses = await loadAnalyses(vision, rows, undefined);
  const { gallery, calibration } = productEvalGallery(rows, analyses, vision);
  const i8 = parseGallery(serializeGallery(gallery, { vectors: "i8" }), "i8 round trip");
  const exact = identifyRows(rows, analyses, buildMatcher(gallery, calibration));
  const sent = identifyRows(rows, analyses, buildMatcher(i8, calibration));
  let changed = 0;
  let maxDelta = 0;
  let closest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < exact.length; i++) {
    const a = exact[i];
    const b = sent[i];
    if (a.name !== b.name) changed++;
    if (a.score !== null && b.score !== null) maxDelta = Math.max(maxDelta, Math.abs(a.score - b.score));
    if (a.margin !== null) closest = Math.min(closest, Math.abs(a.margin));
  }
  const templates = [...gallery.people.values()].reduce((s, p) => s + p.templates.length, 0);
  console.log(
    JSON.stringify({
      people: gallery.people.size,
      templates,
      decisions: exact.length,
      changed_decisions: changed,
      max_score_change: Number(maxDelta.toExponential(2)),
      closest_margin_to_threshold: Number(closest.toExponential(2)),
    }),
  );
} finally {
  await vision.stop();
}
