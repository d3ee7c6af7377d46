import type { FaceSet } from "../recognition/face-set.ts";
import type { Matcher, MatchResult } from "../recognition/matcher.ts";
import type { VersionHead } from "../recognition/version-head.ts";
import type { DeciderFace, MatchSource } from "./track-decider.ts";

/**
 * The gallery matcher with a trained version's classifier head as a second opinion: a face the gallery names
 * keeps its name only when the head's open-set rule agrees (its top class is that person, confident enough,
 * and the gallery score passes the version's own threshold). Strangers the gallery already rejects never reach
 * the head, so it runs only for candidate names (~0.05 ms per face in plain JS, see head-forward.ts).
 */
export class HeadMatch implements MatchSource {
  constructor(
    readonly matcher: Matcher,
    readonly head: VersionHead,
  ) {}

  match(face: DeciderFace): MatchResult {
    return this.#confirm(this.matcher.match(face), face.embedding);
  }

  /** The set's aggregate as one face: the gallery names it, the head judges its mean whole face. */
  matchSet(set: FaceSet): MatchResult {
    const m = this.matcher.matchSet(set);
    const full = set.aggregate("full");
    return full ? this.#confirm(m, full) : { ...m, name: null };
  }

  #confirm(m: MatchResult, embedding: Float32Array): MatchResult {
    if (m.name === null) return m;
    const d = this.head.decide(embedding, (n) => (n === m.candidate ? m.score : -1), m.space);
    return d.name === m.name ? m : { ...m, name: null };
  }
}
