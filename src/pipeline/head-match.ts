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
    const m = this.matcher.match(face);
    if (m.name === null) return m;
    const d = this.head.decide(face.embedding, (n) => (n === m.candidate ? m.score : -1), m.space);
    return d.name === m.name ? m : { ...m, name: null };
  }
}
