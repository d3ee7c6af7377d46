import type { RgbImage } from "./types.ts";

/** What the analyzer already has for a face when it asks for the mask flag. */
export interface MaskInput {
  /**
   * The 112×112 face aligned on the two eyes alone (as for the masked path): a stable frame whatever covers the
   * mouth, where the 5-point alignment moves with the mouth landmarks a mask displaces.
   */
  aligned: RgbImage;
  /** Its whole-face embedding (L2-normalised), computed for every face anyway: free for the flag to use. */
  embedding: Float32Array;
}

/** Tells whether an aligned face wears a mask. Implemented by the project's own trained model. */
export interface MaskClassifier {
  readonly id: string;
  /** Probability 0..1 that the face is masked; `masked` is decided by `threshold` on it. */
  predict(face: MaskInput): Promise<number>;
  /** Decision threshold on the probability, chosen on development data (0.5 when the model names none). */
  readonly threshold: number;
  close(): Promise<void>;
}
