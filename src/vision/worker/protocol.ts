import type { AnalyzedFace, AnalyzerOptions } from "../analyzer.ts";
import type { VisionConfig } from "../factory.ts";
import type { RgbImage } from "../types.ts";

export type VisionRequest =
  | { id: number; kind: "encoded"; bytes: Uint8Array; opts: AnalyzerOptions }
  | { id: number; kind: "raw"; image: RgbImage; scale: number; opts: AnalyzerOptions };

export type VisionReply =
  | { id: number; ok: true; faces: AnalyzedFace[]; width: number; height: number }
  | { id: number; ok: false; error: string; errorName: string };

export type VisionReady =
  | {
      ready: true;
      embedderId: string;
      embedderDim: number;
      detectorId: string;
      maskClassifierId: string | null;
      upperProjectionId: string | null;
    }
  | { ready: false; error: string; errorName: string };

export interface VisionWorkerData {
  config: VisionConfig;
}
