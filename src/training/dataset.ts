import type { RgbImage } from "../vision/types.ts";

/** Label of a negative sample: a face of someone who must never be named. */
export const NEGATIVE = -1;

/** One face usable for training: an original photo's face or one of its augmentations. */
export interface FaceSample {
  /** Index into `FaceDataset.names`, or NEGATIVE. */
  label: number;
  /** 112×112 aligned crop (kept for the .npz export). */
  aligned: RgbImage;
  embedding: Float32Array;
  upper: Float32Array | null;
  /** Masked face (a real mask, or a synthetic one drawn by augmentation). */
  masked: boolean;
  augmented: boolean;
  /** Photo file name (never a path: the dataset may leave the machine as .npz). */
  source: string;
  /** Index of the original photo: its augmentations share it, so the validation split never sees a twin. */
  group: number;
}

export interface FaceDataset {
  /** Person names; labels index into it. */
  names: string[];
  embedderId: string;
  dim: number;
  samples: FaceSample[];
}
