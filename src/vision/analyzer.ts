import { alignFace } from "./align.ts";
import { type DecodedImage, decodeImage } from "./decode.ts";
import type { MaskClassifier } from "./mask-classifier.ts";
import { occludeLowerFace, sharpness } from "./quality.ts";
import type { Box, Embedder, FaceDetector, FivePoints, Point, RgbImage } from "./types.ts";

/** Rows of the 112 px aligned face from which the lower face is greyed for the masked path: just below the nose. */
export const UPPER_FACE_ROWS = 72;

export interface FaceAnalysis {
  /** [x, y, w, h] in original image pixels. */
  box: Box;
  landmarks: FivePoints;
  detectorScore: number;
  /** Whole-face embedding (L2-normalised). */
  embedding: Float32Array;
  /**
   * Embedding of the face with the lower part greyed, compared against upper-face templates. Computed only for
   * masked faces or when asked (enrollment), since it doubles the embedder's work.
   */
  upperEmbedding?: Float32Array;
  masked: boolean;
  maskProbability: number;
  /** Face width in original pixels. */
  faceSize: number;
  sharpness: number;
}

export interface AnalyzerOptions {
  /** Analyse at most this many faces per image, the largest first. */
  maxFaces?: number;
  /** Faces narrower than this (original pixels) are not analysed at all. */
  minFaceSize?: number;
  /** Whether to keep the aligned crop (enrollment quality checks, snapshots, training). */
  keepAligned?: boolean;
  /** Compute the upper-face embedding for unmasked faces too. */
  withUpper?: boolean;
}

export interface AnalyzedFace extends FaceAnalysis {
  aligned?: RgbImage;
}

/** detect → align → embed (+ masked path and mask flag) on one image: the vision room's single entry point. */
export class FaceAnalyzer {
  constructor(
    readonly detector: FaceDetector,
    readonly embedder: Embedder,
    readonly maskClassifier: MaskClassifier | null,
  ) {}

  async analyzeEncoded(bytes: Buffer | Uint8Array, opts: AnalyzerOptions = {}): Promise<AnalyzedFace[]> {
    return this.analyzeDecoded(await decodeImage(bytes), opts);
  }

  async analyzeDecoded(decoded: DecodedImage, opts: AnalyzerOptions = {}): Promise<AnalyzedFace[]> {
    return this.analyzeImage(decoded.image, decoded.scale, opts);
  }

  /** `scale` maps the working image's pixels to the original's (1 for camera frames). */
  async analyzeImage(image: RgbImage, scale = 1, opts: AnalyzerOptions = {}): Promise<AnalyzedFace[]> {
    const minSize = (opts.minFaceSize ?? 0) / scale;
    const detections = (await this.detector.detect(image))
      .filter((d) => d.box[2] >= minSize)
      .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])
      .slice(0, opts.maxFaces ?? 32);
    const faces: AnalyzedFace[] = [];
    for (const d of detections) {
      const aligned = alignFace(image, d.landmarks, this.embedder.inputSize);
      const embedding = await this.embedder.embed(aligned);
      const maskProbability = this.maskClassifier ? await this.maskClassifier.predict(aligned) : 0;
      const masked = maskProbability >= 0.5;
      const upperEmbedding =
        masked || opts.withUpper
          ? await this.embedder.embed(occludeLowerFace(aligned, UPPER_FACE_ROWS))
          : undefined;
      const s = (p: Point): Point => [p[0] * scale, p[1] * scale];
      faces.push({
        box: [d.box[0] * scale, d.box[1] * scale, d.box[2] * scale, d.box[3] * scale],
        landmarks: d.landmarks.map(s) as unknown as FivePoints,
        detectorScore: d.score,
        embedding,
        upperEmbedding,
        masked,
        maskProbability,
        faceSize: d.box[2] * scale,
        sharpness: sharpness(aligned),
        aligned: opts.keepAligned ? aligned : undefined,
      });
    }
    return faces;
  }

  async close(): Promise<void> {
    await Promise.all([this.detector.close(), this.embedder.close(), this.maskClassifier?.close()]);
  }
}
