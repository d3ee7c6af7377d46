import type { ort } from "../onnx-session.ts";
import type { Detection, RgbImage } from "../types.ts";
import { type DetectorOptions, type Letterbox, toDetection } from "./common.ts";
import {
  type DetectorOutputs,
  openStrideModel,
  StrideDetector,
  type StrideSettings,
} from "./stride-detector.ts";

/**
 * YuNet, the model of OpenCV's FaceDetectorYN, in its newer multi-output form (`cls_8`, `obj_8`, `bbox_8`,
 * `kps_8`, ... one set per stride), e.g. `yunet_s_dynamic.onnx` of libfacedetection.train.
 * Input 1×3×H×W BGR 0–255 with H, W multiples of 32. Decoding follows OpenCV's face_detect.cpp: one
 * anchor-free prediction per cell, score = sqrt(cls·obj), centre and landmarks as offsets in stride units,
 * size as exp(·)·stride. Landmarks come out image-left eye first, the order of `FivePoints`.
 */
export class YuNetDetector extends StrideDetector {
  // OpenCV feeds the raw 0–255 BGR pixels: no mean, no scale.
  protected readonly pixels = { mean: 0, std: 1, bgr: true };

  private constructor(session: ort.InferenceSession, modelPath: string, settings: StrideSettings) {
    super(session, modelPath, "yunet", settings);
  }

  /** Defaults: minScore 0.6, nmsIou 0.3 (OpenCV's), inputSize 640 (longest side; the image is scaled to it). */
  static async create(modelPath: string, options: DetectorOptions = {}): Promise<YuNetDetector> {
    const { session, settings } = await openStrideModel(modelPath, options, { minScore: 0.6, nmsIou: 0.3 });
    return new YuNetDetector(session, modelPath, settings);
  }

  protected decodeStride(
    out: DetectorOutputs,
    stride: number,
    lb: Letterbox,
    image: RgbImage,
    found: Detection[],
  ): void {
    const cols = lb.width / stride;
    const n = cols * (lb.height / stride);
    const cls = this.output(out, `cls_${stride}`, n);
    const obj = this.output(out, `obj_${stride}`, n);
    const bbox = this.output(out, `bbox_${stride}`, n * 4);
    const kp = this.output(out, `kps_${stride}`, n * 10);
    const kps = new Float32Array(10);
    for (let i = 0; i < n; i++) {
      // OpenCV clamps both to [0, 1] before the geometric mean.
      const c = Math.min(1, Math.max(0, cls[i]));
      const o = Math.min(1, Math.max(0, obj[i]));
      const score = Math.sqrt(c * o);
      if (score < this.settings.minScore) continue;
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
}
