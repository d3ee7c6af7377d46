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

/** Either whole regions of a frame (`boxes`, cropped in the worker) or nothing else: the frame is copied once. */
export type ClassifyRequest = { id: number; image: RgbImage; boxes: Box[] };

export type ClassifyReply =
  | { id: number; ok: true; probs: Float32Array[]; ms: number }
  | { id: number; ok: false; error: string };

export type ClassifierReady =
  | { ready: true; classes: string[]; backend: string; inputSize: number }
  | { ready: false; error: string };
