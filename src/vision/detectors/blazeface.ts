import type ort from "onnxruntime-node";
import { InputBuffers } from "../input-buffers.ts";
import { createSession, ort as onnx, type SessionOptions } from "../onnx-session.ts";
import { letterboxParams, resizeRgb } from "../resize.ts";
import type { Detection, FaceDetector, FivePoints, Point, RgbImage } from "../types.ts";
import { weightedNms } from "./nms.ts";

export interface BlazeFaceOptions extends SessionOptions {
  /** Minimum sigmoid score of a detection. */
  minScore?: number;
  /** IoU above which overlapping detections are blended into one (MediaPipe's weighted NMS). */
  nmsIou?: number;
}

const INPUT = 256;
/** Candidates below MediaPipe's usual 0.5 count for finding faces, not for placing them. */
const BLEND_MIN_SCORE = 0.5;

/**
 * MediaPipe's anchors for the back-camera model: a 16×16 grid with 2 anchors per cell (stride 16), then an 8×8
 * grid with 6 anchors per cell (three stride-32 layers merged). Anchors are fixed-size: only centres matter.
 */
export function blazeFaceAnchors(): Float32Array {
  const centres: number[] = [];
  for (const [grid, perCell] of [
    [16, 2],
    [8, 6],
  ] as const) {
    for (let y = 0; y < grid; y++)
      for (let x = 0; x < grid; x++)
        for (let a = 0; a < perCell; a++) centres.push((x + 0.5) / grid, (y + 0.5) / grid);
  }
  return Float32Array.from(centres);
}

const ANCHORS = blazeFaceAnchors();
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface RawBlazeFaceOutput {
  /** Score logits per anchor, 896 = 512 + 384. */
  scores: Float32Array;
  /** 16 regressors per anchor in input pixels: centre dx, dy, w, h, then 6 keypoints (x, y). */
  regressors: Float32Array;
}

/**
 * Decodes BlazeFace outputs into detections in letterboxed-input coordinates normalised to 0..1, then maps
 * them back to the original image. Kept separate from inference so it can be unit-tested on synthetic outputs.
 */
export function decodeBlazeFace(
  raw: RawBlazeFaceOutput,
  image: { width: number; height: number },
  minScore: number,
  nmsIou: number,
): Detection[] {
  const lb = letterboxParams(image.width, image.height, INPUT);
  const candidates: { score: number; values: number[] }[] = [];
  const minLogit = Math.log(minScore / (1 - minScore));
  for (let i = 0; i < ANCHORS.length / 2; i++) {
    const logit = Math.max(-100, Math.min(100, raw.scores[i]));
    if (logit < minLogit) continue;
    const r = raw.regressors.subarray(i * 16, i * 16 + 16);
    // A box without area (junk anchors at low thresholds) is no face.
    if (!(r[2] > 0 && r[3] > 0)) continue;
    const ax = ANCHORS[2 * i] * INPUT;
    const ay = ANCHORS[2 * i + 1] * INPUT;
    // Values in letterboxed input pixels: box centre, size, then 6 keypoints.
    const values = [ax + r[0], ay + r[1], r[2], r[3]];
    for (let k = 0; k < 6; k++) values.push(ax + r[4 + 2 * k], ay + r[5 + 2 * k]);
    candidates.push({ score: sigmoid(logit), values });
  }
  const boxesOf = (v: number[]) => [v[0] - v[2] / 2, v[1] - v[3] / 2, v[2], v[3]] as const;
  const merged = weightedNms(candidates, (c) => boxesOf(c.values), nmsIou, BLEND_MIN_SCORE);
  const toImage = (x: number, y: number): Point => [(x - lb.padX) / lb.scale, (y - lb.padY) / lb.scale];
  return merged.map(({ score, values: v }) => {
    const [x0, y0] = toImage(v[0] - v[2] / 2, v[1] - v[3] / 2);
    const [x1, y1] = toImage(v[0] + v[2] / 2, v[1] + v[3] / 2);
    // MediaPipe keypoints: subject's right eye (image left), left eye, nose tip, mouth centre, right ear, left ear.
    const eyeL = toImage(v[4], v[5]);
    const eyeR = toImage(v[6], v[7]);
    const nose = toImage(v[8], v[9]);
    const mouth = toImage(v[10], v[11]);
    return { box: [x0, y0, x1 - x0, y1 - y0], score, landmarks: withMouthCorners(eyeL, eyeR, nose, mouth) };
  });
}

/**
 * BlazeFace has no mouth corners; the ArcFace template's corners sit at ±0.414 of the eye vector around the
 * mouth centre, so placing them there makes a 5-point fit equal to a 4-point fit with the mouth weighted twice.
 */
export function withMouthCorners(eyeL: Point, eyeR: Point, nose: Point, mouth: Point): FivePoints {
  const hx = (eyeR[0] - eyeL[0]) * 0.414;
  const hy = (eyeR[1] - eyeL[1]) * 0.414;
  return [eyeL, eyeR, nose, [mouth[0] - hx, mouth[1] - hy], [mouth[0] + hx, mouth[1] + hy]];
}

/** MediaPipe BlazeFace, back-camera (full-range-ish) 256×256 model: the default detector. */
export class BlazeFaceDetector implements FaceDetector {
  readonly id = "blazeface-back-256";
  readonly #inputs = new InputBuffers();

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly minScore: number,
    private readonly nmsIou: number,
  ) {}

  static async create(modelPath: string, opts: BlazeFaceOptions = {}): Promise<BlazeFaceDetector> {
    const session = await createSession(modelPath, opts);
    return new BlazeFaceDetector(session, opts.minScore ?? 0.5, opts.nmsIou ?? 0.3);
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    return decodeBlazeFace(await this.infer(image), image, this.minScore, this.nmsIou);
  }

  /** Runs the network on a letterboxed copy of the image and returns the raw outputs. */
  async infer(image: RgbImage): Promise<RawBlazeFaceOutput> {
    const lb = letterboxParams(image.width, image.height, INPUT);
    const resized = await resizeRgb(image, lb.width, lb.height, "linear");
    // This call's own until its run has finished: onnxruntime-node reads the input a tick later, after concurrent
    // calls could refill it.
    const out = await this.#inputs.with(INPUT * INPUT * 3, (input) => {
      input.fill(-1); // padding is black: (0/255)·2−1
      for (let y = 0; y < lb.height; y++) {
        let src = y * lb.width * 3;
        let dst = ((y + lb.padY) * INPUT + lb.padX) * 3;
        for (let x = 0; x < lb.width * 3; x++) input[dst++] = resized.data[src++] * (2 / 255) - 1;
      }
      const feeds = { [this.session.inputNames[0]]: new onnx.Tensor("float32", input, [1, INPUT, INPUT, 3]) };
      return this.session.run(feeds);
    });
    // Outputs come as (scores 16×16, scores 8×8, regressors 16×16, regressors 8×8); identify them by shape.
    const tensors = this.session.outputNames.map((n) => out[n]);
    const scoreT = tensors.filter((t) => t.dims[2] === 1).sort((a, b) => b.dims[1] - a.dims[1]);
    const regT = tensors.filter((t) => t.dims[2] === 16).sort((a, b) => b.dims[1] - a.dims[1]);
    const scores = new Float32Array(896);
    scores.set(scoreT[0].data as Float32Array, 0);
    scores.set(scoreT[1].data as Float32Array, 512);
    const regressors = new Float32Array(896 * 16);
    regressors.set(regT[0].data as Float32Array, 0);
    regressors.set(regT[1].data as Float32Array, 512 * 16);
    return { scores, regressors };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
