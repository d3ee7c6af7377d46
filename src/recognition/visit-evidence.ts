import { FaceSet, type SetFace } from "./face-set.ts";
import type { MatchResult } from "./matcher.ts";

/** What names a visit's faces as one (Matcher.matchSet and the daemon's other name sources). */
export interface SetMatcher {
  matchSet(set: FaceSet): MatchResult;
}

/**
 * What one visit's faces say about who it is: their set (aggregate vectors) and how often each person was a
 * face's best candidate. The daemon feeds it frame by frame; `facegate eval` feeds it photos of one person.
 */
export class VisitEvidence {
  readonly set = new FaceSet();
  /** How often each person was a face's best candidate (above the threshold or not). */
  readonly #candidates = new Map<string, number>();
  #masked = 0;
  /** Faces added. */
  faces = 0;
  /** Best single-face similarity to anybody: what is reported with `unknown`. */
  bestScore = 0;

  /** Adds one face with its own match (null while nobody is enrolled). */
  add(face: SetFace, match: MatchResult | null): void {
    this.faces++;
    this.set.add(face);
    if (face.masked) this.#masked++;
    if (!match) return;
    this.bestScore = Math.max(this.bestScore, match.score);
    if (match.candidate !== null)
      this.#candidates.set(match.candidate, (this.#candidates.get(match.candidate) ?? 0) + 1);
  }

  /** Most of the faces wore a mask. */
  get masked(): boolean {
    return this.#masked * 2 > this.faces;
  }

  /** The person most faces had as best candidate (null before any). */
  get leadingCandidate(): string | null {
    let best: string | null = null;
    let count = 0;
    for (const [name, n] of this.#candidates) {
      if (n > count) {
        best = name;
        count = n;
      }
    }
    return best;
  }

  /**
   * The person these faces name, or null: at least `minFaces` faces, their aggregate names the person against the
   * set threshold, and that person was the best candidate of at least half the faces (an aggregate that drifts
   * towards somebody most single faces did not point at is not trusted).
   */
  verdict(matcher: SetMatcher, minFaces: number): MatchResult | null {
    if (this.faces < Math.max(1, minFaces)) return null;
    const m = matcher.matchSet(this.set);
    if (m.name === null) return null;
    return (this.#candidates.get(m.name) ?? 0) * 2 >= this.faces ? m : null;
  }
}
