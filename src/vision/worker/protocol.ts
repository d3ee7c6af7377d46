import type { AnalyzedFace, AnalyzerOptions } from "../analyzer.ts";
import type { VisionConfig } from "../factory.ts";
import type { RgbImage } from "../types.ts";

/** One analysis: an encoded image (decoded in the worker) or a decoded frame. */
export type VisionRequest =
  | { kind: "encoded"; bytes: Uint8Array; opts: AnalyzerOptions }
  | { kind: "raw"; image: RgbImage; scale: number; opts: AnalyzerOptions };

export interface VisionResult {
  faces: AnalyzedFace[];
  /** Original image size (after EXIF rotation). */
  width: number;
  height: number;
}

/** What the worker reports once its models are loaded. */
export interface VisionInfo {
  embedderId: string;
  embedderDim: number;
  detectorId: string;
  maskClassifierId: string | null;
  upperProjectionId: string | null;
}

export interface VisionWorkerData {
  config: VisionConfig;
}
