import { iou } from "../box-overlap.ts";
import { ImageError } from "../errors.ts";
import { fivePoints } from "../five-points.ts";
import type { InputBuffers } from "../input-buffers.ts";
import { resizeRgb } from "../resize.ts";
import type { Box, Detection, Point, RgbImage } from "../types.ts";

/** Options every detector adapter understands; each adapter documents its own defaults. */
export interface DetectorOptions {
  /** Faces scoring below this (0..1) are dropped before NMS. */
  minScore?: number;
  /** Overlap (IoU) above which the weaker of two boxes is suppressed. */
  nmsIou?: number;
  /** Longest side of the network input in pixels, where the model takes any size (rounded to a multiple of 32). */
  inputSize?: number;
  /** Upper bound on faces returned per image (highest scores first). */
  maxFaces?: number;
  /** ONNX Runtime threads for one operator. */
  intraOpThreads?: number;
}

/** The model gave outputs of a shape the adapter does not know: a wrong or re-exported file. */
export class DetectorOutputError extends Error {
  constructor(
    readonly modelPath: string,
    detail: string,
  ) {
    super(`detector model ${modelPath} gave unexpected outputs: ${detail}`);
    this.name = "DetectorOutputError";
  }
}

export { iou };

/** Greedy non-maximum suppression: best score first, drops every box overlapping a kept one by more than `iouThreshold`. */
export function nms<T extends { box: Box; score: number }>(
  items: readonly T[],
  iouThreshold: number,
  maxKeep = Infinity,
): T[] {
  const sorted = [...items].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const cand of sorted) {
    if (kept.length >= maxKeep) break;
    let suppressed = false;
    for (const k of kept) {
      if (iou(k.box, cand.box) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(cand);
  }
  return kept;
}

/** Throws a typed error for an RgbImage whose buffer does not match its size (a silent mis-read would give garbage faces). */
export function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError(`image size ${width}×${height} is not usable`);
  }
  if (data.length !== width * height * 3) {
    throw new ImageError(
      `image buffer holds ${data.length} bytes, ${width}×${height} RGB needs ${width * height * 3}`,
    );
  }
}

/** Rounds up to a multiple of `m` (YuNet and SCRFD need sides divisible by their largest stride, 32). */
export function roundUp(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

/** How a letterboxed network input maps back to the original image: x_orig = (x_in − padX) / scaleX. */
export interface Letterbox {
  /** Tensor, planar 1×3×height×width. */
  tensor: Float32Array;
  width: number;
  height: number;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

export interface LetterboxSpec {
  /** Network input size. */
  width: number;
  height: number;
  /** Per-channel value = (pixel − mean) / std, applied after the channel order is chosen. */
  mean: number;
  std: number;
  /** Channel order of the tensor: BGR for OpenCV-trained models. */
  bgr: boolean;
  /** Centre the picture in the padding (else top-left, as InsightFace and OpenCV do). */
  center?: boolean;
}

/**
 * Resizes the image keeping its aspect ratio so it fits `spec.width × spec.height`, pads with black and writes a
 * normalised planar float tensor (resize.ts: block means, then bilinear, so a large photo shrinks without aliasing).
 */
export async function letterbox(
  image: RgbImage,
  spec: LetterboxSpec,
  buffers?: InputBuffers,
): Promise<Letterbox> {
  checkImage(image);
  const { width: W, height: H } = spec;
  const s = Math.min(W / image.width, H / image.height);
  const nw = Math.max(1, Math.min(W, Math.round(image.width * s)));
  const nh = Math.max(1, Math.min(H, Math.round(image.height * s)));
  const pixels = (await resizeRgb(image, nw, nh)).data;
  const padX = spec.center ? Math.floor((W - nw) / 2) : 0;
  const padY = spec.center ? Math.floor((H - nh) / 2) : 0;
  const plane = W * H;
  // From `buffers` (the caller gives it back once its run has finished), else a new one.
  const tensor = buffers?.take(3 * plane) ?? new Float32Array(3 * plane);
  // Padding is a black pixel after normalisation, as with a zero-filled canvas in the reference code.
  tensor.fill((0 - spec.mean) / spec.std);
  const inv = 1 / spec.std;
  const mean = spec.mean;
  // Channel c of the picture goes to plane c (RGB) or 2 − c (BGR).
  const o0 = spec.bgr ? 2 * plane : 0;
  const o1 = plane;
  const o2 = spec.bgr ? 0 : 2 * plane;
  for (let y = 0; y < nh; y++) {
    let src = y * nw * 3;
    let dst = (y + padY) * W + padX;
    for (let x = 0; x < nw; x++) {
      tensor[o0 + dst] = (pixels[src] - mean) * inv;
      tensor[o1 + dst] = (pixels[src + 1] - mean) * inv;
      tensor[o2 + dst] = (pixels[src + 2] - mean) * inv;
      src += 3;
      dst++;
    }
  }
  return { tensor, width: W, height: H, scaleX: nw / image.width, scaleY: nh / image.height, padX, padY };
}

/**
 * Builds a Detection in original image pixels from corners and 5 points given in network-input pixels.
 * The box is clipped to the image (consumers crop with it); the points are not, a face at the edge may have
 * an eye outside the frame.
 */
export function toDetection(
  lb: Letterbox,
  image: RgbImage,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  score: number,
  kps: ArrayLike<number>,
): Detection {
  const ix = (x: number) => (x - lb.padX) / lb.scaleX;
  const iy = (y: number) => (y - lb.padY) / lb.scaleY;
  const bx1 = Math.max(0, ix(x1));
  const by1 = Math.max(0, iy(y1));
  const bx2 = Math.min(image.width, ix(x2));
  const by2 = Math.min(image.height, iy(y2));
  const landmarks = fivePoints([0, 1, 2, 3, 4].map((i): Point => [ix(kps[2 * i]), iy(kps[2 * i + 1])]));
  return {
    box: [bx1, by1, Math.max(0, bx2 - bx1), Math.max(0, by2 - by1)],
    score: Math.min(1, Math.max(0, score)),
    landmarks,
  };
}

/** Network input size for dynamic-shape models: longest side `inputSize`, both sides padded up to multiples of 32. */
export function dynamicInputSize(image: RgbImage, inputSize: number): { width: number; height: number } {
  const s = inputSize / Math.max(image.width, image.height);
  return {
    width: roundUp(Math.max(32, Math.round(image.width * s)), 32),
    height: roundUp(Math.max(32, Math.round(image.height * s)), 32),
  };
}

/** Reads a named output tensor and checks its element count, so a foreign model fails loudly, not with garbage. */
export function outputData(
  outputs: Record<string, { data: unknown; dims: readonly number[] }>,
  name: string,
  expectLength: number,
  modelPath: string,
): Float32Array {
  const t = outputs[name];
  if (!t) throw new DetectorOutputError(modelPath, `no output named ${name}`);
  if (!(t.data instanceof Float32Array))
    throw new DetectorOutputError(modelPath, `output ${name} is not float32`);
  if (t.data.length !== expectLength) {
    throw new DetectorOutputError(
      modelPath,
      `output ${name} has ${t.data.length} values, expected ${expectLength}`,
    );
  }
  return t.data;
}
