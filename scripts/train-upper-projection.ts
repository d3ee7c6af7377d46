/**
 * Learns the masked path's projection (weights/upper-projection.json) from development photos with synthetic
 * masks drawn by our own generator; recipe in src/training/upper-projection.ts. About 3 minutes on 2 cores:
 *   node --import tsx scripts/train-upper-projection.ts [--shared ../shared/data] [--k 8] [--masks 3] [--seed 7] [--out f]
 * Then recalibrate (the masked threshold depends on it): node --import tsx scripts/calibrate.ts
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  capturedEnergy,
  photoDifferences,
  projectionJson,
  projectionPhotos,
  topDirections,
} from "../src/training/upper-projection.ts";
import { createAnalyzer, UPPER_PROJECTION_FILE, WEIGHTS_DIR } from "../src/vision/factory.ts";
import { mulberry32 } from "../src/vision/mask/rng.ts";

const { values } = parseArgs({
  options: {
    shared: { type: "string", default: "../shared/data" },
    k: { type: "string", default: "8" },
    masks: { type: "string", default: "3" },
    seed: { type: "string", default: "7" },
    out: { type: "string", default: join(WEIGHTS_DIR, UPPER_PROJECTION_FILE) },
  },
});
const k = Number(values.k);
const masks = Number(values.masks);
const seed = Number(values.seed);
const photos = projectionPhotos(resolve(values.shared));
// The raw upper-face vectors: the projection must not be learnt through an older projection.
const analyzer = await createAnalyzer({ threads: 1, upperProjection: false });
const diffs: Float32Array[] = [];
let withFace = 0;
for (const [i, photo] of photos.entries()) {
  const d = await photoDifferences(analyzer, photo.path, masks, mulberry32(seed * 100_003 + i));
  if (d.length) withFace++;
  diffs.push(...d);
  if ((i + 1) % 100 === 0) console.log(`${i + 1}/${photos.length} photos`);
}
await analyzer.close();
const basis = topDirections(diffs, k, seed);
const energy = capturedEnergy(diffs, basis, k);
const recipe =
  `scripts/train-upper-projection.ts: ${withFace} photos (lfw-dev enroll rows + deepface) × ${masks} synthetic ` +
  `masks (src/vision/mask/synthetic.ts, seed ${seed}); ${diffs.length} differences masked − plain of the ` +
  `eye-aligned upper-face vector; top ${k} directions of Σ d dᵀ (subspace iteration) hold ` +
  `${(energy * 100).toFixed(1)} % of their energy. Embedder ${analyzer.embedder.id}.`;
writeFileSync(values.out, `${JSON.stringify(projectionJson(analyzer.embedder.id, basis, k, recipe))}\n`);
console.log(recipe);
console.log(`written ${values.out}`);
