import type { TemplateSpace } from "./gallery.ts";
import type { MatchInput } from "./matcher.ts";

/** The aggregates kept: the two template spaces, and the whole face of every face (masked ones included). */
type Space = TemplateSpace | "anyFull";

/** One face of a set: its vectors, and how much it counts (frame quality; 1 = a good frame). */
export interface SetFace extends MatchInput {
  weight: number;
  /** Class probabilities from a whole-face classifier, when one names faces instead of the gallery. */
  classProbs?: Float32Array;
}

/**
 * The faces of one visit, kept as running weighted sums so that matching the whole set costs one comparison per
 * person, whatever the visit's length. The `full` aggregate is the mean whole face of the faces flagged unmasked
 * (a mask's whole-face vector would pull it away from the person), or of all faces when every one was flagged
 * masked (so a visit the mask flag gets wrong is still compared on the whole face, as a single face is). The
 * `upper` aggregate is the mean upper face of the faces flagged masked. Averaging several views of one person
 * cancels what each view adds of its own (pose, light, how the mask sits), so the mean lies closer to the
 * person's templates than most single views do.
 */
export class FaceSet {
  readonly #sums: Record<Space, Float64Array | null> = { full: null, upper: null, anyFull: null };
  readonly #counts: Record<Space, number> = { full: 0, upper: 0, anyFull: 0 };
  #probs: Float64Array | null = null;
  #probCount = 0;
  #faces = 0;
  readonly #aggregates = new Map<TemplateSpace, Float32Array | null>();

  /** Faces added. */
  get size(): number {
    return this.#faces;
  }

  /** Faces that contributed to a space's aggregate. */
  count(space: TemplateSpace): number {
    return space === "full" && this.#counts.full === 0 ? this.#counts.anyFull : this.#counts[space];
  }

  add(face: SetFace): void {
    const w = Number.isFinite(face.weight) && face.weight > 0 ? face.weight : 0;
    this.#faces++;
    this.#aggregates.clear();
    if (w === 0) return;
    if (face.embedding.length > 0) {
      this.#accumulate("anyFull", face.embedding, w);
      if (!face.masked) this.#accumulate("full", face.embedding, w);
    }
    if (face.masked && face.upperEmbedding) this.#accumulate("upper", face.upperEmbedding, w);
    if (face.classProbs && face.classProbs.length > 0) {
      this.#probs ??= new Float64Array(face.classProbs.length);
      if (this.#probs.length === face.classProbs.length) {
        for (let i = 0; i < face.classProbs.length; i++) this.#probs[i] += w * face.classProbs[i];
        this.#probCount += w;
      }
    }
  }

  /**
   * The L2-normalised weighted mean of a space's vectors, or null when no face gave one. Kept until the next face
   * (the matcher and a head both ask for it on the same face); callers must not change it.
   */
  aggregate(space: TemplateSpace): Float32Array | null {
    const kept = this.#aggregates.get(space);
    if (kept !== undefined) return kept;
    const mean = this.#mean(space);
    this.#aggregates.set(space, mean);
    return mean;
  }

  #mean(space: TemplateSpace): Float32Array | null {
    const from: Space = space === "full" && this.#counts.full === 0 ? "anyFull" : space;
    const sum = this.#sums[from];
    if (!sum || this.#counts[from] === 0) return null;
    let n = 0;
    for (let i = 0; i < sum.length; i++) n += sum[i] * sum[i];
    n = Math.sqrt(n);
    if (n === 0) return null;
    const out = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) out[i] = sum[i] / n;
    return out;
  }

  /** The weighted mean of the class probabilities, or null when no face carried them. */
  meanClassProbs(): Float32Array | null {
    if (!this.#probs || this.#probCount === 0) return null;
    return Float32Array.from(this.#probs, (p) => p / this.#probCount);
  }

  #accumulate(space: Space, v: Float32Array, w: number): void {
    let sum = this.#sums[space];
    if (!sum) {
      sum = new Float64Array(v.length);
      this.#sums[space] = sum;
    }
    if (sum.length !== v.length) return;
    for (let i = 0; i < v.length; i++) sum[i] += w * v[i];
    this.#counts[space]++;
  }
}
