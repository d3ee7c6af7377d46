import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FaceAnalyzer } from "../vision/analyzer.ts";
import { decodeImage } from "../vision/decode.ts";
import { mapFivePoints } from "../vision/five-points.ts";
import { fivePointsFrom68 } from "../vision/landmarks68.ts";
import { mulberry32, type Rng } from "../vision/mask/rng.ts";
import { drawSyntheticMask } from "../vision/mask/synthetic.ts";
import type { Box } from "../vision/types.ts";
import type { UpperProjectionJson } from "../vision/upper-projection.ts";

/**
 * Learning the masked path's projection (see vision/upper-projection.ts). Recipe:
 *   photos  lfw-dev `enroll` rows (the gallery side of the development split) and the deepface phone photos —
 *           never lfw-dev probes, never-enrolled strangers or MaskTheFace copies, which evaluation and
 *           calibration use;
 *   pairs   each photo's upper-face vector, and the vectors of the same photo wearing `masks` synthetic masks drawn
 *           by our own generator (random style, colour, fit; landmarks re-placed on the masked photo, as the
 *           analyzer does for a real masked face);
 *   fit     the k directions that carry most of the differences (masked − plain): the top-k eigenvectors of
 *           Σ d dᵀ, by subspace iteration. Not centred on purpose: the mean shift is the first thing to remove.
 */
export interface ProjectionPhoto {
  path: string;
  /** Person, for the record only. */
  group: string;
}

export function projectionPhotos(sharedData: string): ProjectionPhoto[] {
  const photos: ProjectionPhoto[] = [];
  const manifest = readFileSync(join(sharedData, "lfw-dev", "manifest.tsv"), "utf8")
    .trim()
    .split("\n");
  for (const line of manifest.slice(1)) {
    const [identity, path, role, masked] = line.split("\t");
    if (role === "enroll" && masked === "0")
      photos.push({ path: join(sharedData, "lfw-dev", path), group: identity });
  }
  const deepface = join(sharedData, "deepface");
  for (const rel of (readdirSync(deepface, { recursive: true }) as string[]).sort()) {
    if (/\.(jpe?g|png)$/i.test(rel))
      photos.push({ path: join(deepface, rel), group: `deepface:${rel.split("/")[0]}` });
  }
  return photos;
}

/** masked − plain upper-face vectors of one photo's largest face (none when no face is found). */
export async function photoDifferences(
  analyzer: FaceAnalyzer,
  path: string,
  masks: number,
  rng: Rng,
): Promise<Float32Array[]> {
  const landmarks68 = analyzer.landmarks68;
  if (!landmarks68) throw new Error("learning the projection needs the 68-point landmark model");
  const decoded = await decodeImage(readFileSync(path));
  const [face] = await analyzer.analyzeDecoded(decoded, { maxFaces: 1 });
  if (!face) return [];
  const { image, scale } = decoded;
  const points = mapFivePoints(face.landmarks, ([x, y]) => [x / scale, y / scale]);
  const box = face.box.map((v) => v / scale) as unknown as Box;
  const plain = await analyzer.embedUpperFaceRaw(image, points);
  const out: Float32Array[] = [];
  for (let k = 0; k < masks; k++) {
    const masked = drawSyntheticMask(image, points, rng);
    const placed = fivePointsFrom68(await landmarks68.predict(masked, box));
    const v = await analyzer.embedUpperFaceRaw(masked, placed);
    out.push(v.map((x, i) => x - plain[i]));
  }
  return out;
}

/** The k-dimensional subspace carrying most of the vectors' energy: k orthonormal rows, row-major. */
export function topDirections(vectors: Float32Array[], k: number, seed = 1, iterations = 200): Float32Array {
  if (vectors.length === 0) throw new Error("no difference vectors to learn from");
  const dim = vectors[0].length;
  if (k < 1 || k >= dim) throw new RangeError(`k must be between 1 and ${dim - 1}`);
  const c = new Float64Array(dim * dim);
  for (const v of vectors) {
    for (let i = 0; i < dim; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      const row = i * dim;
      for (let j = 0; j < dim; j++) c[row + j] += vi * v[j];
    }
  }
  const rng = mulberry32(seed);
  let q = new Float64Array(k * dim).map(() => rng() - 0.5);
  orthonormalise(q, k, dim);
  for (let it = 0; it < iterations; it++) {
    const z = new Float64Array(k * dim);
    for (let r = 0; r < k; r++) {
      const qo = r * dim;
      for (let i = 0; i < dim; i++) {
        let s = 0;
        const row = i * dim;
        for (let j = 0; j < dim; j++) s += c[row + j] * q[qo + j];
        z[qo + i] = s;
      }
    }
    orthonormalise(z, k, dim);
    q = z;
  }
  return Float32Array.from(q);
}

/** Modified Gram–Schmidt on k rows of `dim` values, in place. */
function orthonormalise(m: Float64Array, k: number, dim: number): void {
  for (let r = 0; r < k; r++) {
    const ro = r * dim;
    for (let p = 0; p < r; p++) {
      const po = p * dim;
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += m[ro + i] * m[po + i];
      for (let i = 0; i < dim; i++) m[ro + i] -= dot * m[po + i];
    }
    let n = 0;
    for (let i = 0; i < dim; i++) n += m[ro + i] * m[ro + i];
    n = Math.sqrt(n) || 1;
    for (let i = 0; i < dim; i++) m[ro + i] /= n;
  }
}

/** Share of the vectors' total energy that lies in the subspace (how much of the mask's shift it removes). */
export function capturedEnergy(vectors: Float32Array[], basis: Float32Array, k: number): number {
  const dim = basis.length / k;
  let total = 0;
  let inside = 0;
  for (const v of vectors) {
    for (let i = 0; i < dim; i++) total += v[i] * v[i];
    for (let r = 0; r < k; r++) {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += basis[r * dim + i] * v[i];
      inside += dot * dot;
    }
  }
  return total > 0 ? inside / total : 0;
}

export function projectionJson(
  embedder: string,
  basis: Float32Array,
  k: number,
  recipe: string,
): UpperProjectionJson {
  const dim = basis.length / k;
  return {
    format: "facegate-upper-projection",
    id: `upper-nap-k${k}-v1`,
    embedder,
    dim,
    k,
    basis: Array.from(basis, (x) => Math.round(x * 1e6) / 1e6),
    recipe,
  };
}
