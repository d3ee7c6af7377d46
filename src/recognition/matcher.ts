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
  /** Cosine similarity to the best person's mean template, clamped to 0..1 (vetoed names left out). */
  score: number;
  /** The best candidate even when below threshold (for logs and evaluation); never a vetoed name. */
  candidate: string | null;
  space: TemplateSpace;
  threshold: number;
  /** Names that passed the threshold but were vetoed by one of their negatives ("not this person"). */
  vetoed?: string[];
}

export type Thresholds = Record<TemplateSpace, number>;

/** One normalised mean template per person and space, packed in a matrix for a fast dot-product scan. */
interface SpaceIndex {
  names: string[];
  matrix: Float32Array;
  /** Per row: the person's negative templates in this space (most people have none). */
  negatives: Float32Array[][];
}

/**
 * Matches embeddings against the gallery's mean templates. Masked faces are compared in the upper-face space
 * (the same lower-face region greyed on both sides), unmasked faces on whole faces.
 *
 * Negatives ("not this person", from the page): a name is vetoed for a face that is at least as close to one of
 * that name's negative templates as to the name's own mean template, and close enough to it to be the same face
 * (`negativeThresholds`: the calibrated 1-to-1 same-person score). A vetoed name is as if it were not enrolled
 * for that face: the next candidate above the threshold may still be named. The person's own faces are far
 * closer to their mean than to a stranger's face, so they keep their name.
 */
export class Matcher {
  private readonly index: Record<TemplateSpace, SpaceIndex>;
  /**
   * Apply to a visit's aggregate (matchSet): calibrated on sets of several photos of one person, whose mean can
   * come closer to a look-alike's template than one photo does. Default: the single-face thresholds.
   */
  readonly setThresholds: Thresholds;
  /** Score at which a face counts as the same face as a negative template. Default: the single-face thresholds. */
  readonly negativeThresholds: Thresholds;

  constructor(
    readonly gallery: Gallery,
    readonly thresholds: Thresholds,
    more: { set?: Thresholds; negative?: Thresholds } = {},
  ) {
    this.index = { full: buildIndex(gallery, "full"), upper: buildIndex(gallery, "upper") };
    this.setThresholds = more.set ?? thresholds;
    this.negativeThresholds = more.negative ?? thresholds;
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
   * upper face of the faces flagged masked, each against its set threshold — the same order as `match`. Negatives
   * veto a set's mean as they veto a single face.
   */
  matchSet(set: FaceSet): MatchResult {
    const full = set.aggregate("full");
    const upper = this.index.upper.names.length > 0 ? set.aggregate("upper") : null;
    const byFull = full ? this.matchIn("full", full, this.setThresholds) : null;
    if (byFull?.name || !upper) return byFull ?? nobody("full", this.setThresholds.full);
    return this.matchIn("upper", upper, this.setThresholds);
  }

  private matchIn(space: TemplateSpace, vector: Float32Array, thresholds: Thresholds): MatchResult {
    const { names, matrix, negatives } = this.index[space];
    const dim = this.gallery.dim;
    const threshold = thresholds[space];
    const scores = new Float32Array(names.length);
    for (let p = 0; p < names.length; p++) {
      let s = 0;
      const off = p * dim;
      for (let i = 0; i < dim; i++) s += matrix[off + i] * vector[i];
      scores[p] = s;
    }
    const vetoed: string[] = [];
    let best = -1;
    // Usually one pass: only a name above the threshold with negatives can be vetoed and send us round again.
    for (;;) {
      best = -1;
      for (let p = 0; p < names.length; p++) if (best < 0 || scores[p] > scores[best]) best = p;
      if (best < 0 || scores[best] < threshold || !this.vetoes(negatives[best], space, vector, scores[best]))
        break;
      vetoed.push(names[best]);
      scores[best] = Number.NEGATIVE_INFINITY;
    }
    const found = best >= 0 && Number.isFinite(scores[best]);
    const candidate = found ? names[best] : null;
    const bestScore = found ? scores[best] : 0;
    return {
      name: candidate !== null && bestScore >= threshold ? candidate : null,
      score: Math.max(0, Math.min(1, bestScore)),
      candidate,
      space,
      threshold,
      ...(vetoed.length > 0 ? { vetoed } : {}),
    };
  }

  /** Whether one of the name's negatives claims this face (see the class comment). */
  private vetoes(
    negatives: Float32Array[],
    space: TemplateSpace,
    vector: Float32Array,
    positive: number,
  ): boolean {
    if (negatives.length === 0) return false;
    const closest = Math.max(...negatives.map((n) => cosine(n, vector)));
    return closest >= this.negativeThresholds[space] && closest >= positive;
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
  const negatives: Float32Array[][] = [];
  for (const name of gallery.names()) {
    const person = gallery.people.get(name);
    const vectors = (person?.templates ?? []).filter((t) => t.space === space).map((t) => t.vector);
    if (vectors.length === 0) continue;
    names.push(name);
    rows.push(meanTemplate(vectors, gallery.dim));
    negatives.push((person?.negatives ?? []).filter((t) => t.space === space).map((t) => t.vector));
  }
  const matrix = new Float32Array(names.length * gallery.dim);
  for (const [i, r] of rows.entries()) matrix.set(r, i * gallery.dim);
  return { names, matrix, negatives };
}
