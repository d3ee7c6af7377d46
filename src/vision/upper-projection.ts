import { existsSync, readFileSync } from "node:fs";

/**
 * The masked path's nuisance projection. Greying the face below the nose removes most of a mask, but the mask's
 * top edge, straps and shading still reach the upper-face crop, and they shift every masked face's embedding in a
 * few common directions: masked strangers then look alike and the masked threshold has to stay high. Those
 * directions are learnt from the SAME photo with and without a synthetic mask drawn by our own generator
 * (src/training/upper-projection.ts), and removed from every upper-face vector: v ← (v − Σ (v·uᵢ) uᵢ) / ‖…‖.
 * Projection is idempotent, so templates made before it existed only score a little lower (never higher).
 */
export interface UpperProjectionJson {
  format: "facegate-upper-projection";
  id: string;
  /** The embedder whose upper-face vectors it was learnt on (id = file name + sha256 prefix). */
  embedder: string;
  dim: number;
  /** Number of removed directions. */
  k: number;
  /** k orthonormal rows of `dim` values. */
  basis: number[];
  /** How it was made (data, masks, seed), for people reading the file. */
  recipe: string;
}

export class UpperProjectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UpperProjectionError";
  }
}

export class UpperProjection {
  private readonly basis: Float32Array;

  constructor(
    readonly id: string,
    readonly embedder: string,
    readonly dim: number,
    readonly k: number,
    basis: ArrayLike<number>,
  ) {
    this.basis = Float32Array.from(basis);
  }

  static fromJson(json: UpperProjectionJson, source = "upper projection"): UpperProjection {
    if (json?.format !== "facegate-upper-projection")
      throw new UpperProjectionError(`${source}: not a facegate upper-face projection file`);
    const { id, embedder, dim, k, basis } = json;
    if (!Number.isInteger(dim) || dim <= 0 || !Number.isInteger(k) || k < 0 || k >= dim)
      throw new UpperProjectionError(`${source}: bad sizes (dim ${dim}, k ${k})`);
    if (!Array.isArray(basis) || basis.length !== dim * k || basis.some((v) => !Number.isFinite(v)))
      throw new UpperProjectionError(`${source}: basis must hold k × dim = ${k * dim} finite numbers`);
    return new UpperProjection(String(id), String(embedder), dim, k, basis);
  }

  /** Removes the nuisance directions and renormalises; returns a new vector. */
  apply(v: Float32Array): Float32Array {
    if (v.length !== this.dim)
      throw new UpperProjectionError(`vector of ${v.length} values, projection expects ${this.dim}`);
    const out = Float32Array.from(v);
    for (let r = 0; r < this.k; r++) {
      const off = r * this.dim;
      let dot = 0;
      for (let i = 0; i < this.dim; i++) dot += this.basis[off + i] * v[i];
      for (let i = 0; i < this.dim; i++) out[i] -= dot * this.basis[off + i];
    }
    let n = 0;
    for (let i = 0; i < this.dim; i++) n += out[i] * out[i];
    n = Math.sqrt(n);
    if (n > 0) for (let i = 0; i < this.dim; i++) out[i] /= n;
    return out;
  }
}

/**
 * Loads the projection at `path` when it belongs to `embedderId`; null when the file is absent or was learnt on
 * another embedder (a user-brought model has no projection: its masked path is the plain upper face).
 */
export function loadUpperProjection(path: string, embedderId: string): UpperProjection | null {
  if (!existsSync(path)) return null;
  let json: UpperProjectionJson;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as UpperProjectionJson;
  } catch (err) {
    throw new UpperProjectionError(`${path}: unreadable (${(err as Error).message})`);
  }
  const p = UpperProjection.fromJson(json, path);
  return p.embedder === embedderId ? p : null;
}
