import type { TemplateSpace } from "./gallery.ts";

/** Name of the extra class that negatives train ("never name these"). */
export const UNKNOWN_CLASS = "__unknown__";

export interface OpenSetThresholds {
  /** The head's top probability must reach this. */
  softmax: number;
  /** The cosine to the same person's mean template must reach this (the gallery's own rule). */
  gallery: Record<TemplateSpace, number>;
}

export interface OpenSetDecision {
  name: string | null;
  /** Head's top class and its probability. */
  headClass: string;
  probability: number;
  /** Cosine to the head's person's mean template (-1 when the head says unknown). */
  galleryScore: number;
  reason: "named" | "unknown-class" | "low-probability" | "low-similarity";
}

/**
 * Open-set rule: a face is named only when the head's top class is a person (not the negatives' class), its
 * probability reaches the softmax threshold AND the face's cosine to that person's gallery template reaches the
 * gallery threshold. A softmax always sums to one over the known classes, so a stranger can get a confident
 * answer from the head alone; the gallery test guards against that, the head against near-twins in the gallery.
 */
export function decideOpenSet(
  probs: Float32Array,
  classes: string[],
  galleryScoreOf: (name: string) => number,
  t: OpenSetThresholds,
  space: TemplateSpace = "full",
): OpenSetDecision {
  let top = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[top]) top = i;
  const headClass = classes[top];
  const probability = probs[top];
  if (headClass === UNKNOWN_CLASS)
    return { name: null, headClass, probability, galleryScore: -1, reason: "unknown-class" };
  const galleryScore = galleryScoreOf(headClass);
  if (probability < t.softmax)
    return { name: null, headClass, probability, galleryScore, reason: "low-probability" };
  if (galleryScore < t.gallery[space])
    return { name: null, headClass, probability, galleryScore, reason: "low-similarity" };
  return { name: headClass, headClass, probability, galleryScore, reason: "named" };
}
