import { InputBuffers } from "../input-buffers.ts";
import { fivePointsFrom68, Landmarks68 } from "../landmarks68.ts";
import { createSession, ort } from "../onnx-session.ts";
import type { Box, Detection, FivePoints, RgbImage, TwoStepDetector } from "../types.ts";
import { type DetectorOptions, letterbox, nms, outputData } from "./common.ts";

const IN_W = 320;
const IN_H = 240;
/** Priors of Ultra-Light RFB-320: 40×30×3 + 20×15×2 + 10×8×2 + 5×4×3. */
const PRIORS = 4420;

export interface Rfb320Paths {
  /** `fr_detect.onnx`: Ultra-Light-Fast-Generic-Face-Detector RFB-320. */
  detector: string;
  /** `fr_landmark.onnx`: 68 points, refined on each face for the 5 alignment points. */
  landmarks: string;
}

/**
 * Ultra-Light RFB-320 (the npm default detector, `fr_detect.onnx`) + the 68-point model for landmarks.
 * The exported graph already holds the SSD head's post-processing: `scores` is softmaxed (column 1 = face)
 * and `boxes` are corner-form (x1, y1, x2, y2) fractions of the 320×240 input, the priors (min boxes
 * [10,16,24],[32,48],[64,96],[128,192,256] on strides 8–64) and variances 0.1/0.2 applied inside — checked
 * numerically on real photos. Input: RGB (x − 127)/128. The picture is letterboxed (centred, aspect kept)
 * rather than stretched, so faces keep their shape on non-4:3 frames.
 */
export class Rfb320Detector implements TwoStepDetector {
  readonly #inputs = new InputBuffers();
  readonly id = "rfb320-lm68";

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly landmarker: Landmarks68,
    private readonly modelPath: string,
    private readonly minScore: number,
    private readonly nmsIou: number,
    private readonly maxFaces: number,
    /** False when the landmark model was lent by the caller (the analyzer's own): the caller closes it. */
    private readonly ownsLandmarker: boolean,
  ) {}

  /**
   * Defaults: minScore 0.7 and nmsIou 0.3 (Ultra-Light's). `inputSize` is ignored: the graph is fixed at 320×240.
   * `shared`: a 68-point model the caller already holds (one session instead of two; the caller closes it).
   */
  static async create(
    paths: Rfb320Paths,
    options: DetectorOptions = {},
    shared?: Landmarks68,
  ): Promise<Rfb320Detector> {
    const session = await createSession(paths.detector, { intraOpThreads: options.intraOpThreads });
    const landmarker =
      shared ?? (await Landmarks68.create(paths.landmarks, { intraOpThreads: options.intraOpThreads }));
    return new Rfb320Detector(
      session,
      landmarker,
      paths.detector,
      options.minScore ?? 0.7,
      options.nmsIou ?? 0.3,
      options.maxFaces ?? 100,
      shared === undefined,
    );
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    const result: Detection[] = [];
    // One landmark pass per face, sequentially: the session is single-threaded by design.
    for (const k of await this.boxes(image))
      result.push({ ...k, landmarks: await this.landmarksFor(image, k.box) });
    return result;
  }

  async landmarksFor(image: RgbImage, box: Box): Promise<FivePoints> {
    return fivePointsFrom68(await this.landmarker.predict(image, box));
  }

  async boxes(image: RgbImage): Promise<Omit<Detection, "landmarks">[]> {
    const lb = await letterbox(
      image,
      { width: IN_W, height: IN_H, mean: 127, std: 128, bgr: false, center: true },
      this.#inputs,
    );
    const input = new ort.Tensor("float32", lb.tensor, [1, 3, IN_H, IN_W]);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run({ [this.session.inputNames[0]]: input });
    } finally {
      this.#inputs.give(lb.tensor); // read by now: the next call may refill it
    }
    const scores = outputData(out, "scores", PRIORS * 2, this.modelPath);
    const boxes = outputData(out, "boxes", PRIORS * 4, this.modelPath);
    const found: { box: Box; score: number }[] = [];
    for (let i = 0; i < PRIORS; i++) {
      const score = scores[2 * i + 1];
      if (score < this.minScore) continue;
      const x1 = Math.max(0, (boxes[4 * i] * IN_W - lb.padX) / lb.scaleX);
      const y1 = Math.max(0, (boxes[4 * i + 1] * IN_H - lb.padY) / lb.scaleY);
      const x2 = Math.min(image.width, (boxes[4 * i + 2] * IN_W - lb.padX) / lb.scaleX);
      const y2 = Math.min(image.height, (boxes[4 * i + 3] * IN_H - lb.padY) / lb.scaleY);
      if (x2 <= x1 || y2 <= y1) continue;
      found.push({ box: [x1, y1, x2 - x1, y2 - y1], score });
    }
    return nms(found, this.nmsIou, this.maxFaces).map((k) => ({ box: k.box, score: Math.min(1, k.score) }));
  }

  async close(): Promise<void> {
    await this.session.release();
    if (this.ownsLandmarker) await this.landmarker.close();
  }
}
