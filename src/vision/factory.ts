import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { FaceAnalyzer } from "./analyzer.ts";
import { BlazeFaceDetector } from "./detectors/blazeface.ts";
import { CascadeDetector } from "./detectors/cascade.ts";
import { Rfb320Detector } from "./detectors/rfb320.ts";
import { ScrfdDetector } from "./detectors/scrfd.ts";
import { YuNetDetector } from "./detectors/yunet.ts";
import { ArcFaceOnnxEmbedder } from "./embedders/arcface-onnx.ts";
import { ModelMissingError } from "./errors.ts";
import { Landmarks68 } from "./landmarks68.ts";
import type { MaskClassifier } from "./mask-classifier.ts";
import { DEFAULT_MODELS_DIR, PACKAGE_ROOT, UPPER_PROJECTION_FILE, WEIGHTS_DIR } from "./package-paths.ts";
import type { FaceDetector } from "./types.ts";
import { loadUpperProjection } from "./upper-projection.ts";

export type DetectorKind = "cascade" | "blazeface" | "rfb320" | "yunet" | "scrfd";

export interface VisionConfig {
  /** Folder of the fetched models; defaults to the package's models/. */
  modelsDir?: string;
  detector?: {
    kind?: DetectorKind;
    model?: string;
    minScore?: number;
    inputSize?: number;
    /**
     * Cascade only: when nothing is found, look again on tiles and the mirrored picture (+1.2 points of recall on
     * real masked photos, ~4 extra passes on empty pictures). Right for single photos; the daemon turns it off,
     * since a visit gives many frames and most frames are empty.
     */
    secondLook?: boolean;
  };
  embedder?: { model?: string; mean?: number; std?: number };
  /**
   * The masked path's projection file (weights/upper-projection.json by default; used only when it was learnt on
   * this embedder); false: none (training the projection itself, comparisons).
   */
  upperProjection?: string | false;
  /** Threads per ONNX session. */
  threads?: number;
}

export { DEFAULT_MODELS_DIR, PACKAGE_ROOT, UPPER_PROJECTION_FILE, WEIGHTS_DIR };

/** An embedder's id names the file and its content, so a gallery can never be read with different weights. */
export function embedderIdFor(modelPath: string): string {
  let digest: string;
  try {
    digest = createHash("sha256").update(readFileSync(modelPath)).digest("hex").slice(0, 8);
  } catch {
    throw new ModelMissingError(modelPath);
  }
  return `${basename(modelPath).replace(/\.onnx$/, "")}-${digest}`;
}

/** `landmarks`: the analyzer's 68-point model, lent to the RFB-320 detector (one session instead of two). */
export async function createDetector(cfg: VisionConfig, landmarks?: Landmarks68): Promise<FaceDetector> {
  const dir = cfg.modelsDir ?? DEFAULT_MODELS_DIR;
  const d = cfg.detector ?? {};
  const session = { intraOpThreads: cfg.threads };
  switch (d.kind ?? "cascade") {
    case "cascade": {
      // BlazeFace verified/rescued by RFB-320 (both in the fetched models): masked-face recall up, false alarms down.
      const [primary, verifier] = await Promise.all([
        BlazeFaceDetector.create(d.model ?? join(dir, "blazeface_back_256.onnx"), {
          ...session,
          minScore: 0.3,
        }),
        Rfb320Detector.create(
          { detector: join(dir, "fr_detect.onnx"), landmarks: join(dir, "fr_landmark.onnx") },
          { ...session, minScore: 0.3 },
          landmarks,
        ),
      ]);
      const secondLook = d.secondLook !== false;
      return new CascadeDetector(primary, verifier, {
        acceptScore: d.minScore,
        zoomGrid: secondLook ? undefined : 0,
        mirror: secondLook,
      });
    }
    case "blazeface":
      return BlazeFaceDetector.create(d.model ?? join(dir, "blazeface_back_256.onnx"), {
        ...session,
        minScore: d.minScore,
      });
    case "rfb320":
      return Rfb320Detector.create(
        { detector: d.model ?? join(dir, "fr_detect.onnx"), landmarks: join(dir, "fr_landmark.onnx") },
        { ...session, minScore: d.minScore },
        landmarks,
      );
    case "yunet":
      return YuNetDetector.create(requireModel(d.model, "yunet"), {
        ...session,
        minScore: d.minScore,
        inputSize: d.inputSize,
      });
    case "scrfd":
      return ScrfdDetector.create(requireModel(d.model, "scrfd"), {
        ...session,
        minScore: d.minScore,
        inputSize: d.inputSize,
      });
    default:
      throw new Error(`unknown detector kind "${d.kind}" (cascade, blazeface, rfb320, yunet or scrfd)`);
  }
}

/** The parts createAnalyzer loads, in order (the benchmark measures memory after each). */
export type AnalyzerPart = "landmarks68" | "detector" | "embedder" | "mask flag";

export async function createAnalyzer(
  cfg: VisionConfig,
  maskClassifier: (threads?: number) => Promise<MaskClassifier | null> = async () => null,
  onLoaded: (part: AnalyzerPart) => void = () => {},
): Promise<FaceAnalyzer> {
  const dir = cfg.modelsDir ?? DEFAULT_MODELS_DIR;
  const embedderPath = cfg.embedder?.model ?? join(dir, "fr_feature.onnx");
  const embedderId = embedderIdFor(embedderPath);
  const projection =
    cfg.upperProjection === false
      ? null
      : loadUpperProjection(cfg.upperProjection ?? join(WEIGHTS_DIR, UPPER_PROJECTION_FILE), embedderId);
  // One after the other: onnxruntime-node creates sessions synchronously anyway, and a failure stops at once.
  const landmarks = await Landmarks68.create(join(dir, "fr_landmark.onnx"), { intraOpThreads: cfg.threads });
  onLoaded("landmarks68");
  const detector = await createDetector(cfg, landmarks);
  onLoaded("detector");
  const embedder = await ArcFaceOnnxEmbedder.create(embedderPath, {
    id: embedderId,
    mean: cfg.embedder?.mean,
    std: cfg.embedder?.std,
    intraOpThreads: cfg.threads,
  });
  onLoaded("embedder");
  const mask = await maskClassifier(cfg.threads);
  onLoaded("mask flag");
  return new FaceAnalyzer(detector, embedder, mask, landmarks, projection);
}

function requireModel(path: string | undefined, kind: string): string {
  if (!path)
    throw new Error(
      `detector "${kind}" uses a model you bring: set detector.model (--detector-model) to its .onnx file`,
    );
  return path;
}
