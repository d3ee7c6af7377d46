import type { FaceSet } from "./face-set.ts";
import type { Gallery, TemplateSpace } from "./gallery.ts";

export interface MatchInput {
  embedding: Float32Array;
  upperEmbedding?: Float32Array;
  masked: boolean;
}

export interface MatchResult {
  /** The enrolled person, or null for a stranger. */
  name: string | null;
  /** Cosine similarity to the best person's mean template, clamped to 0..1. */
  score: number;
  /** The best candidate even when below threshold (for logs and evaluation). */
  candidate: string | null;
  space: TemplateSpace;
  threshold: number;
}

export type Thresholds = Record<TemplateSpace, number>;

/** One normalised mean template per person and space, packed in a matrix for a fast dot-product scan. */
interface SpaceIndex {
  names: string[];
  matrix: Float32Array;
}

/**
 * Matches embeddings against the gallery's mean templates. Masked faces are compared in the upper-face space
 * (the same lower-face region greyed on both sides), unmasked faces on whole faces.
 */
export class Matcher {
  private readonly index: Record<TemplateSpace, SpaceIndex>;

  /**
   * `setThresholds` apply to a visit's aggregate (matchSet): calibrated on sets of several photos of one person,
   * whose mean can come closer to a look-alike's template than one photo does. Default: the single-face ones.
   */
  readonly setThresholds: Thresholds;

  constructor(
    readonly gallery: Gallery,
    readonly thresholds: Thresholds,
    setThresholds?: Thresholds,
  ) {
    this.index = { full: buildIndex(gallery, "full"), upper: buildIndex(gallery, "upper") };
    this.setThresholds = setThresholds ?? thresholds;
  }

  /**
   * A face flagged masked is compared on the upper face — unless its whole face already names someone: masked
   * faces almost never pass the whole-face threshold (0 of ~270 masked strangers on lfw-dev), so this costs no
   * false accepts and rescues unmasked faces the mask flag got wrong (~3 % of them).
   */
  match(face: MatchInput): MatchResult {
    const full = this.matchIn("full", face.embedding, this.thresholds);
    const useUpper = face.masked && face.upperEmbedding && this.index.upper.names.length > 0;
    if (!useUpper || full.name !== null) return full;
    return this.matchIn("upper", face.upperEmbedding as Float32Array, this.thresholds);
  }

  /**
   * A visit's faces as one: the mean whole face first (every face's), then, unless it names someone, the mean
   * upper face of the faces flagged masked, each against its set threshold — the same order as `match`.
   */
  matchSet(set: FaceSet): MatchResult {
    const full = set.aggregate("full");
    const upper = this.index.upper.names.length > 0 ? set.aggregate("upper") : null;
    const byFull = full ? this.matchIn("full", full, this.setThresholds) : null;
    if (byFull?.name || !upper) return byFull ?? nobody("full", this.setThresholds.full);
    return this.matchIn("upper", upper, this.setThresholds);
  }

  private matchIn(space: TemplateSpace, vector: Float32Array, thresholds: Thresholds): MatchResult {
    const { names, matrix } = this.index[space];
    const dim = this.gallery.dim;
    let best = -1;
    let bestScore = -2;
    for (let p = 0; p < names.length; p++) {
      let s = 0;
      const off = p * dim;
      for (let i = 0; i < dim; i++) s += matrix[off + i] * vector[i];
      if (s > bestScore) {
        bestScore = s;
        best = p;
      }
    }
    const threshold = thresholds[space];
    const candidate = best >= 0 ? names[best] : null;
    return {
      name: candidate !== null && bestScore >= threshold ? candidate : null,
      score: Math.max(0, Math.min(1, bestScore)),
      candidate,
      space,
      threshold,
    };
  }
}

/** The answer for a face set with nothing to compare (no vectors yet). */
function nobody(space: TemplateSpace, threshold: number): MatchResult {
  return { name: null, score: 0, candidate: null, space, threshold };
}

export function meanTemplate(vectors: Float32Array[], dim: number): Float32Array {
  const m = new Float32Array(dim);
  for (const v of vectors) for (let i = 0; i < dim; i++) m[i] += v[i];
  let n = 0;
  for (let i = 0; i < dim; i++) n += m[i] * m[i];
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < dim; i++) m[i] /= n;
  return m;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function buildIndex(gallery: Gallery, space: TemplateSpace): SpaceIndex {
  const names: string[] = [];
  const rows: Float32Array[] = [];
  for (const name of gallery.names()) {
    const vectors = (gallery.people.get(name)?.templates ?? [])
      .filter((t) => t.space === space)
      .map((t) => t.vector);
    if (vectors.length === 0) continue;
    names.push(name);
    rows.push(meanTemplate(vectors, gallery.dim));
  }
  const matrix = new Float32Array(names.length * gallery.dim);
  for (const [i, r] of rows.entries()) matrix.set(r, i * gallery.dim);
  return { names, matrix };
}
