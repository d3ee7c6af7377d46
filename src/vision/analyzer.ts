import { alignByEyes, alignFace } from "./align.ts";
import { iou } from "./box-overlap.ts";
import { type DecodedImage, decodeImage } from "./decode.ts";
import { ImageError } from "./errors.ts";
import { mapFivePoints } from "./five-points.ts";
import { fivePointsFrom68, type Landmarks68 } from "./landmarks68.ts";
import type { MaskClassifier } from "./mask-classifier.ts";
import { occludeLowerFace, sharpness } from "./quality.ts";
import type { Box, Embedder, FaceDetector, FivePoints, Point, RgbImage } from "./types.ts";
import type { UpperProjection } from "./upper-projection.ts";

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
  /**
   * Faces overlapping one of these boxes (original pixels, IoU ≥ 0.3) are detected but not embedded: their
   * `embedding` is empty (length 0), `masked` false. The daemon passes the predicted boxes of tracks whose
   * identity is already decided, which saves the embedder's share of the frame (about half of it per face).
   */
  skipEmbedding?: readonly Box[];
}

/** Overlap below which a detection is not the face of a skipped (already decided) track. */
const SKIP_IOU = 0.3;

const overlaps = (a: Box, b: Box): boolean => iou(a, b) >= SKIP_IOU;

export interface AnalyzedFace extends FaceAnalysis {
  aligned?: RgbImage;
}

/** detect → align → embed (+ masked path and mask flag) on one image: the vision room's single entry point. */
export class FaceAnalyzer {
  constructor(
    readonly detector: FaceDetector,
    readonly embedder: Embedder,
    readonly maskClassifier: MaskClassifier | null,
    /**
     * Refines the detector's points with the 68-point model: on lfw-dev its five points align better than
     * BlazeFace's estimated mouth corners (unmasked ID 0.987 vs 0.983), and its eyes (means of six points each)
     * drive the masked path (masked ID 0.78 vs 0.73 with BlazeFace's five points, same protocol).
     */
    readonly landmarks68: Landmarks68 | null = null,
    /** Removes the directions a mask shifts upper-face vectors in (see upper-projection.ts); null: none. */
    readonly upperProjection: UpperProjection | null = null,
  ) {}

  async analyzeEncoded(bytes: Buffer | Uint8Array, opts: AnalyzerOptions = {}): Promise<AnalyzedFace[]> {
    return this.analyzeDecoded(await decodeImage(bytes), opts);
  }

  async analyzeDecoded(decoded: DecodedImage, opts: AnalyzerOptions = {}): Promise<AnalyzedFace[]> {
    return this.analyzeImage(decoded.image, decoded.scale, opts);
  }

  /** `scale` maps the working image's pixels to the original's (1 for camera frames). */
  async analyzeImage(image: RgbImage, scale = 1, opts: AnalyzerOptions = {}): Promise<AnalyzedFace[]> {
    checkFrame(image);
    const minSize = (opts.minFaceSize ?? 0) / scale;
    const detections = (await this.detector.detect(image))
      .filter((d) => d.box[2] >= minSize)
      .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])
      .slice(0, opts.maxFaces ?? 32);
    const faces: AnalyzedFace[] = [];
    for (const d of detections) {
      const s = (p: Point): Point => [p[0] * scale, p[1] * scale];
      const box = clipBox(d.box, image.width, image.height, scale);
      if (opts.skipEmbedding?.some((b) => overlaps(b, box))) {
        faces.push({
          box,
          landmarks: mapFivePoints(d.landmarks, s),
          detectorScore: d.score,
          embedding: new Float32Array(0),
          masked: false,
          maskProbability: 0,
          faceSize: d.box[2] * scale,
          sharpness: 0,
        });
        continue;
      }
      const points = this.landmarks68
        ? fivePointsFrom68(await this.landmarks68.predict(image, d.box))
        : d.landmarks;
      const aligned = alignFace(image, points, this.embedder.inputSize);
      const embedding = await this.embedder.embed(aligned);
      // The eye-aligned face feeds both the mask flag and the masked path; neither needs it without the other.
      const byEyes =
        this.maskClassifier || opts.withUpper
          ? alignByEyes(image, points[0], points[1], this.embedder.inputSize)
          : null;
      const maskProbability =
        this.maskClassifier && byEyes ? await this.maskClassifier.predict({ aligned: byEyes, embedding }) : 0;
      const masked = maskProbability >= (this.maskClassifier?.threshold ?? 0.5);
      const upperEmbedding =
        byEyes && (masked || opts.withUpper) ? await this.embedUpperFace(byEyes) : undefined;
      faces.push({
        box,
        landmarks: mapFivePoints(points, s),
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

  /** The upper-face vector before the projection (what the projection is learnt from). */
  embedUpperFaceRaw(image: RgbImage, points: FivePoints): Promise<Float32Array> {
    return this.embedGreyedLowerFace(alignByEyes(image, points[0], points[1], this.embedder.inputSize));
  }

  /** The masked path: the eye-aligned face, everything below the nose greyed, mask directions removed. */
  private async embedUpperFace(byEyes: RgbImage): Promise<Float32Array> {
    const raw = await this.embedGreyedLowerFace(byEyes);
    return this.upperProjection ? this.upperProjection.apply(raw) : raw;
  }

  private embedGreyedLowerFace(byEyes: RgbImage): Promise<Float32Array> {
    return this.embedder.embed(occludeLowerFace(byEyes, UPPER_FACE_ROWS));
  }

  async close(): Promise<void> {
    await Promise.all([
      this.detector.close(),
      this.embedder.close(),
      this.maskClassifier?.close(),
      this.landmarks68?.close(),
    ]);
  }
}

/** The face box in original pixels, clipped to the image (detectors may reach past the border). */
function clipBox(box: Box, width: number, height: number, scale: number): Box {
  const x0 = Math.max(0, box[0]);
  const y0 = Math.max(0, box[1]);
  const x1 = Math.min(width, box[0] + box[2]);
  const y1 = Math.min(height, box[1] + box[3]);
  return [x0 * scale, y0 * scale, Math.max(0, x1 - x0) * scale, Math.max(0, y1 - y0) * scale];
}

/** Frames come from other threads and processes: refuse a buffer that does not hold width×height RGB pixels. */
function checkFrame(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError(`frame size ${width}×${height} is not a positive whole number of pixels`);
  }
  if (!data || data.length !== width * height * 3) {
    throw new ImageError(
      `frame of ${width}×${height} needs ${width * height * 3} bytes of RGB, got ${data?.length ?? 0}`,
    );
  }
}
