import type { Box, RgbImage } from "../types.ts";
import type { Preprocess } from "./crop.ts";

export interface FaceClassifierConfig {
  /** Folder with model.json + weights.bin (facegate import-h5). */
  modelDir: string;
  /** Class-names file (JSON array or one per line); when absent, the names import-h5 stored in the model. */
  classNamesFile?: string;
  inputSize: number;
  preprocess: Preprocess;
  /** Crop side ÷ the detector box's longer side. */
  cropScale: number;
}

export interface FaceClassifierWorkerData {
  config: FaceClassifierConfig;
}

/** Whole regions of a frame (`boxes`, cropped in the worker): the frame is copied once. */
export interface ClassifyRequest {
  image: RgbImage;
  boxes: Box[];
}

export interface ClassifyResult {
  /** One softmax per box. */
  probs: Float32Array[];
  /** Milliseconds the worker spent (crop + inference). */
  ms: number;
}

export interface ClassifierInfo {
  classes: string[];
  backend: string;
  inputSize: number;
}
