import type { MatchResult } from "../recognition/matcher.ts";
import { UNKNOWN_CLASS } from "../recognition/open-set.ts";
import type { DeciderFace, MatchSource } from "./track-decider.ts";

/**
 * Names faces from the whole-face classifier's softmax (computed in its worker and carried on the face): the top
 * class when its probability reaches `unknownThreshold`, else nobody. The probability stands in for the
 * similarity, so the track vote weighs a confident class like a close gallery match.
 */
export class ClassifierMatch implements MatchSource {
  constructor(
    readonly classes: readonly string[],
    readonly unknownThreshold: number,
  ) {}

  match(face: DeciderFace): MatchResult {
    const probs = face.classProbs;
    const threshold = this.unknownThreshold;
    if (!probs || probs.length === 0)
      return { name: null, score: 0, candidate: null, space: "full", threshold };
    let top = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[top]) top = i;
    const candidate = this.classes[top] ?? null;
    const person = candidate !== null && candidate !== UNKNOWN_CLASS;
    return {
      name: person && probs[top] >= threshold ? candidate : null,
      score: Math.max(0, Math.min(1, probs[top])),
      candidate,
      space: "full",
      threshold,
    };
  }
}
