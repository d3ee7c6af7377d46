import { createSession, ort } from "../onnx-session.ts";
import type { Detection, FaceDetector, RgbImage } from "../types.ts";
import { type DetectorOptions, dynamicInputSize, letterbox, nms, outputData, toDetection } from "./common.ts";

const STRIDES = [8, 16, 32] as const;
/** The `_bnkps` SCRFD models put two anchors (same centre) on every cell. */
const ANCHORS_PER_CELL = 2;

/**
 * SCRFD (InsightFace) with 5 key points, e.g. `scrfd_500m_bnkps.onnx`: input 1×3×H×W RGB (x − 127.5)/128,
 * outputs `score_*` (already sigmoid), `bbox_*` and `kps_*` per stride. Decoding follows InsightFace's scrfd.py:
 * anchor centre (col·stride, row·stride); box = centre −/+ distances·stride (distance2bbox); points = centre +
 * offsets·stride (distance2kps). The image is scaled so its longest side is `inputSize` and padded at the
 * right/bottom to multiples of 32 — the same pixels as InsightFace's 640×640 letterbox, without the dead rows.
 */
export class ScrfdDetector implements FaceDetector {
  readonly id: string;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly modelPath: string,
    private readonly minScore: number,
    private readonly nmsIou: number,
    private readonly inputSize: number,
    private readonly maxFaces: number,
  ) {
    this.id = `scrfd-${inputSize}`;
  }

  /** Defaults: minScore 0.5 and nmsIou 0.4 (InsightFace's), inputSize 640. */
  static async create(modelPath: string, options: DetectorOptions = {}): Promise<ScrfdDetector> {
    const session = await createSession(modelPath, { intraOpThreads: options.intraOpThreads });
    return new ScrfdDetector(
      session,
      modelPath,
      options.minScore ?? 0.5,
      options.nmsIou ?? 0.4,
      options.inputSize ?? 640,
      options.maxFaces ?? 100,
    );
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    const size = dynamicInputSize(image, this.inputSize);
    const lb = await letterbox(image, { ...size, mean: 127.5, std: 128, bgr: false });
    const input = new ort.Tensor("float32", lb.tensor, [1, 3, lb.height, lb.width]);
    const out = await this.session.run({ [this.session.inputNames[0]]: input });
    const found: Detection[] = [];
    const kps = new Float32Array(10);
    for (const stride of STRIDES) {
      const cols = lb.width / stride;
      const n = cols * (lb.height / stride) * ANCHORS_PER_CELL;
      const score = outputData(out, `score_${stride}`, n, this.modelPath);
      const bbox = outputData(out, `bbox_${stride}`, n * 4, this.modelPath);
      const kp = outputData(out, `kps_${stride}`, n * 10, this.modelPath);
      for (let i = 0; i < n; i++) {
        const s = score[i];
        if (s < this.minScore) continue;
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
    return nms(found, this.nmsIou, this.maxFaces);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
