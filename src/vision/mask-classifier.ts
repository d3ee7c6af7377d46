import type { RgbImage } from "./types.ts";

/** Tells whether an aligned face wears a mask. Implemented by the project's own trained model. */
export interface MaskClassifier {
  readonly id: string;
  /** Probability 0..1 that the aligned 112×112 face is masked. */
  predict(aligned: RgbImage): Promise<number>;
  close(): Promise<void>;
}
