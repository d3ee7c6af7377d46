import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { decodeImage } from "../vision/decode.ts";
import { mapFivePoints } from "../vision/five-points.ts";
import { mulberry32 } from "../vision/mask/rng.ts";
import { drawSyntheticMask } from "../vision/mask/synthetic.ts";
import type { Point } from "../vision/types.ts";
import type { VisionClient } from "../vision/worker/vision-client.ts";
import { AnalysisCache, type CachedAnalysis, defaultCachePath, sha256Of } from "./analysis-cache.ts";
import { cacheKeyFor } from "./analyze-images.ts";
import { subjectFace } from "./eval-gallery.ts";

/** Bump when the generator or this recipe changes: cached analyses of the old masks must not be reused. */
export const SYNTHETIC_MASK_RECIPE = "synthetic-mask-v1";

/**
 * Masked twins of unmasked photos, drawn by the project's own generator (many shapes, colours, positions; never
 * the MaskTheFace templates) from each face's landmarks, seeded by the photo's content, then analysed exactly as
 * a camera photo would be. Calibrating the masked path on them matches deployment: a masked stranger against
 * upper-face templates made from unmasked enrollment photos.
 */
export async function analyzeSyntheticMasked(
  paths: string[],
  analyses: Map<string, CachedAnalysis>,
  vision: VisionClient,
  cachePath: string | false | undefined,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Map<string, CachedAnalysis>> {
  const key = {
    ...cacheKeyFor(vision),
    analysis: `${cacheKeyFor(vision).analysis},${SYNTHETIC_MASK_RECIPE}`,
  };
  const cache =
    cachePath === false
      ? null
      : AnalysisCache.open(
          cachePath ? `${cachePath}.masked` : defaultCachePath(key),
          key,
          vision.embedderDim,
        );
  const out = new Map<string, CachedAnalysis>();
  let done = 0;
  let last = Date.now();
  for (const path of paths) {
    const face = subjectFace(analyses.get(path));
    if (!face) continue;
    const bytes = await readFile(path);
    const sha = sha256Of(bytes);
    let result = cache?.get(sha);
    if (!result) {
      const decoded = await decodeImage(bytes);
      const toWorking = (p: Point): Point => [p[0] / decoded.scale, p[1] / decoded.scale];
      const landmarks = mapFivePoints(face.landmarks, toWorking);
      const seed = createHash("sha256").update(sha).update(SYNTHETIC_MASK_RECIPE).digest().readUInt32LE(0);
      const masked = drawSyntheticMask(decoded.image, landmarks, mulberry32(seed));
      const r = await vision.analyzeRaw(masked, decoded.scale, { withUpper: true, maxFaces: 4 });
      result = { faces: r.faces.map(({ aligned: _, ...f }) => f) };
      cache?.put(sha, result);
    }
    out.set(path, result);
    done++;
    if (Date.now() - last > 10_000) {
      last = Date.now();
      log(`synthetic-masked twins: ${done}/${paths.length}`);
    }
  }
  return out;
}
