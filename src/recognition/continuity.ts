import { type Calibration, oneToOneThreshold } from "./calibration.ts";
import { cosine, type MatchInput } from "./matcher.ts";

/**
 * Similarities from which two single faces pass as the same person, one to one: whole faces, and upper faces of
 * two masked faces. They come from the calibration's impostor tables at a gallery of one (what enrollment's
 * outlier check uses too), so about 1 % of two different people's faces reach them.
 */
export interface SameFaceBounds {
  full: number;
  upper: number;
}

/** The one-to-one bounds for this calibration, or null without one (a user's embedder: visits are never split). */
export function sameFaceBounds(calibration: Calibration | null): SameFaceBounds | null {
  if (!calibration) return null;
  const full = oneToOneThreshold(calibration, "full");
  if (full === null) return null;
  return { full, upper: oneToOneThreshold(calibration, "upper") ?? full };
}

/** The first faces of a visit are kept for good (its first clear views), the rest as a window of the latest. */
const KEEP_FIRST = 4;
const KEEP_LATEST = 12;

/**
 * The faces a visit has shown so far, to tell whether a new face is still the same person. A door camera's
 * tracker follows boxes, and a person who steps into the spot another just left gets the same box: only the face
 * itself can tell them apart. A face resembles the visit when it passes as the same person against at least one
 * earlier face (pose, light and expression change during a visit; one earlier view alike is enough) — on the
 * upper face when both wear a mask (two masks look alike on the whole face), else on the whole face.
 */
export class AppearanceHistory {
  readonly #first: MatchInput[] = [];
  readonly #latest: MatchInput[] = [];

  get size(): number {
    return this.#first.length + this.#latest.length;
  }

  add(face: MatchInput): void {
    if (face.embedding.length === 0) return;
    if (this.#first.length < KEEP_FIRST) this.#first.push(face);
    else {
      this.#latest.push(face);
      if (this.#latest.length > KEEP_LATEST) this.#latest.shift();
    }
  }

  /** Best similarity of `face` to an earlier face, each pair compared as `bounds` say, minus that pair's bound. */
  margin(face: MatchInput, bounds: SameFaceBounds): number {
    let best = Number.NEGATIVE_INFINITY;
    for (const earlier of [...this.#first, ...this.#latest])
      best = Math.max(best, pairMargin(earlier, face, bounds));
    return best;
  }

  /** Whether `face` passes as the same person against one earlier face; true while there is none. */
  resembles(face: MatchInput, bounds: SameFaceBounds): boolean {
    return this.size === 0 || this.margin(face, bounds) >= 0;
  }
}

function pairMargin(a: MatchInput, b: MatchInput, bounds: SameFaceBounds): number {
  if (a.masked && b.masked && a.upperEmbedding && b.upperEmbedding)
    return cosine(a.upperEmbedding, b.upperEmbedding) - bounds.upper;
  return cosine(a.embedding, b.embedding) - bounds.full;
}
