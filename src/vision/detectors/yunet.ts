import { createSession, ort } from "../onnx-session.ts";
import type { Detection, FaceDetector, RgbImage } from "../types.ts";
import { type DetectorOptions, dynamicInputSize, letterbox, nms, outputData, toDetection } from "./common.ts";

const STRIDES = [8, 16, 32] as const;

/**
 * YuNet, the model of OpenCV's FaceDetectorYN, in its newer multi-output form (`cls_8`, `obj_8`, `bbox_8`,
 * `kps_8`, ... one set per stride), e.g. `yunet_s_dynamic.onnx` of libfacedetection.train.
 * Input 1×3×H×W BGR 0–255 with H, W multiples of 32. Decoding follows OpenCV's face_detect.cpp: one
 * anchor-free prediction per cell, score = sqrt(cls·obj), centre and landmarks as offsets in stride units,
 * size as exp(·)·stride. Landmarks come out image-left eye first, the order of `FivePoints`.
 */
export class YuNetDetector implements FaceDetector {
  readonly id: string;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly modelPath: string,
    private readonly minScore: number,
    private readonly nmsIou: number,
    private readonly inputSize: number,
    private readonly maxFaces: number,
  ) {
    this.id = `yunet-${inputSize}`;
  }

  /** Defaults: minScore 0.6, nmsIou 0.3 (OpenCV's), inputSize 640 (longest side; the image is scaled to it). */
  static async create(modelPath: string, options: DetectorOptions = {}): Promise<YuNetDetector> {
    const session = await createSession(modelPath, { intraOpThreads: options.intraOpThreads });
    return new YuNetDetector(
      session,
      modelPath,
      options.minScore ?? 0.6,
      options.nmsIou ?? 0.3,
      options.inputSize ?? 640,
      options.maxFaces ?? 100,
    );
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    const size = dynamicInputSize(image, this.inputSize);
    // OpenCV feeds the raw 0–255 BGR pixels: no mean, no scale.
    const lb = await letterbox(image, { ...size, mean: 0, std: 1, bgr: true });
    const input = new ort.Tensor("float32", lb.tensor, [1, 3, lb.height, lb.width]);
    const out = await this.session.run({ [this.session.inputNames[0]]: input });
    const found: Detection[] = [];
    const kps = new Float32Array(10);
    for (const stride of STRIDES) {
      const cols = lb.width / stride;
      const n = cols * (lb.height / stride);
      const cls = outputData(out, `cls_${stride}`, n, this.modelPath);
      const obj = outputData(out, `obj_${stride}`, n, this.modelPath);
      const bbox = outputData(out, `bbox_${stride}`, n * 4, this.modelPath);
      const kp = outputData(out, `kps_${stride}`, n * 10, this.modelPath);
      for (let i = 0; i < n; i++) {
        // OpenCV clamps both to [0, 1] before the geometric mean.
        const c = Math.min(1, Math.max(0, cls[i]));
        const o = Math.min(1, Math.max(0, obj[i]));
        const score = Math.sqrt(c * o);
        if (score < this.minScore) continue;
        const col = i % cols;
        const row = (i - col) / cols;
        const cx = (col + bbox[4 * i]) * stride;
        const cy = (row + bbox[4 * i + 1]) * stride;
        const w = Math.exp(bbox[4 * i + 2]) * stride;
        const h = Math.exp(bbox[4 * i + 3]) * stride;
        for (let k = 0; k < 5; k++) {
          kps[2 * k] = (kp[10 * i + 2 * k] + col) * stride;
          kps[2 * k + 1] = (kp[10 * i + 2 * k + 1] + row) * stride;
        }
        found.push(toDetection(lb, image, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, kps));
      }
    }
    return nms(found, this.nmsIou, this.maxFaces);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
