import type { MaskClassifier } from "../mask-classifier.ts";

/** Loads the project's trained mask classifier from weights/, or null when it is not there. */
export async function loadDefaultMaskClassifier(_threads?: number): Promise<MaskClassifier | null> {
  return null;
}
