import type { ort } from "../onnx-session.ts";
import type { Detection, RgbImage } from "../types.ts";
import { type DetectorOptions, type Letterbox, toDetection } from "./common.ts";
import {
  type DetectorOutputs,
  openStrideModel,
  StrideDetector,
  type StrideSettings,
} from "./stride-detector.ts";

/** The `_bnkps` SCRFD models put two anchors (same centre) on every cell. */
const ANCHORS_PER_CELL = 2;

/**
 * SCRFD (InsightFace) with 5 key points, e.g. `scrfd_500m_bnkps.onnx`: input 1×3×H×W RGB (x − 127.5)/128,
 * outputs `score_*` (already sigmoid), `bbox_*` and `kps_*` per stride. Decoding follows InsightFace's scrfd.py:
 * anchor centre (col·stride, row·stride); box = centre −/+ distances·stride (distance2bbox); points = centre +
 * offsets·stride (distance2kps). The image is scaled so its longest side is `inputSize` and padded at the
 * right/bottom to multiples of 32 — the same pixels as InsightFace's 640×640 letterbox, without the dead rows.
 */
export class ScrfdDetector extends StrideDetector {
  protected readonly pixels = { mean: 127.5, std: 128, bgr: false };

  private constructor(session: ort.InferenceSession, modelPath: string, settings: StrideSettings) {
    super(session, modelPath, "scrfd", settings);
  }

  /** Defaults: minScore 0.5 and nmsIou 0.4 (InsightFace's), inputSize 640. */
  static async create(modelPath: string, options: DetectorOptions = {}): Promise<ScrfdDetector> {
    const { session, settings } = await openStrideModel(modelPath, options, { minScore: 0.5, nmsIou: 0.4 });
    return new ScrfdDetector(session, modelPath, settings);
  }

  protected decodeStride(
    out: DetectorOutputs,
    stride: number,
    lb: Letterbox,
    image: RgbImage,
    found: Detection[],
  ): void {
    const cols = lb.width / stride;
    const n = cols * (lb.height / stride) * ANCHORS_PER_CELL;
    const score = this.output(out, `score_${stride}`, n);
    const bbox = this.output(out, `bbox_${stride}`, n * 4);
    const kp = this.output(out, `kps_${stride}`, n * 10);
    const kps = new Float32Array(10);
    for (let i = 0; i < n; i++) {
      const s = score[i];
      if (s < this.settings.minScore) continue;
      const cell = Math.floor(i / ANCHORS_PER_CELL);
      const col = cell % cols;
      const ax = col * stride;
      const ay = ((cell - col) / cols) * stride;
      const x1 = ax - bbox[4 * i] * stride;
      const y1 = ay - bbox[4 * i + 1] * stride;
      const x2 = ax + bbox[4 * i + 2] * stride;
      const y2 = ay + bbox[4 * i + 3] * stride;
      for (let k = 0; k < 5; k++) {
        kps[2 * k] = ax + kp[10 * i + 2 * k] * stride;
        kps[2 * k + 1] = ay + kp[10 * i + 2 * k + 1] * stride;
      }
      found.push(toDetection(lb, image, x1, y1, x2, y2, s, kps));
    }
  }
}
