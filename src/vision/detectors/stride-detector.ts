import { InputBuffers } from "../input-buffers.ts";
import { createSession, ort } from "../onnx-session.ts";
import type { Detection, FaceDetector, RgbImage } from "../types.ts";
import {
  type DetectorOptions,
  dynamicInputSize,
  type Letterbox,
  type LetterboxSpec,
  letterbox,
  nms,
  outputData,
} from "./common.ts";

/** Feature-map strides of the anchor-free / anchor-per-cell detectors (SCRFD, YuNet). */
export const STRIDES = [8, 16, 32] as const;

export type DetectorOutputs = ort.InferenceSession.OnnxValueMapType;

/** The settings every stride detector resolves from its options and its own defaults. */
export interface StrideSettings {
  minScore: number;
  nmsIou: number;
  inputSize: number;
  maxFaces: number;
}

/**
 * What SCRFD and YuNet share: one ONNX session over the image scaled so its longest side is `inputSize` (padded
 * to multiples of 32), per-stride outputs decoded by each model's own rule, then NMS. A subclass says how the
 * model wants its pixels and decodes one stride.
 */
export abstract class StrideDetector implements FaceDetector {
  readonly #inputs = new InputBuffers();
  readonly id: string;
  protected readonly settings: StrideSettings;

  protected constructor(
    private readonly session: ort.InferenceSession,
    protected readonly modelPath: string,
    name: string,
    settings: StrideSettings,
  ) {
    this.settings = settings;
    this.id = `${name}-${settings.inputSize}`;
  }

  /** How the model wants its pixels (mean, std, channel order). */
  protected abstract readonly pixels: Pick<LetterboxSpec, "mean" | "std" | "bgr">;

  /** Appends the detections of one stride (scores below `settings.minScore` left out). */
  protected abstract decodeStride(
    out: DetectorOutputs,
    stride: number,
    lb: Letterbox,
    image: RgbImage,
    found: Detection[],
  ): void;

  async detect(image: RgbImage): Promise<Detection[]> {
    const size = dynamicInputSize(image, this.settings.inputSize);
    const lb = await letterbox(image, { ...size, ...this.pixels }, this.#inputs);
    const input = new ort.Tensor("float32", lb.tensor, [1, 3, lb.height, lb.width]);
    let out: DetectorOutputs;
    try {
      out = await this.session.run({ [this.session.inputNames[0]]: input });
    } finally {
      this.#inputs.give(lb.tensor); // read by now: the next call may refill it
    }
    const found: Detection[] = [];
    for (const stride of STRIDES) this.decodeStride(out, stride, lb, image, found);
    return nms(found, this.settings.nmsIou, this.settings.maxFaces);
  }

  /** A named output of this model, its length checked (a foreign model fails loudly, not with garbage). */
  protected output(out: DetectorOutputs, name: string, length: number): Float32Array {
    return outputData(out, name, length, this.modelPath);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Opens the model's session and resolves the settings: the caller's options, else the model's own defaults. */
export async function openStrideModel(
  modelPath: string,
  options: DetectorOptions,
  defaults: { minScore: number; nmsIou: number },
): Promise<{ session: ort.InferenceSession; settings: StrideSettings }> {
  const session = await createSession(modelPath, { intraOpThreads: options.intraOpThreads });
  return {
    session,
    settings: {
      minScore: options.minScore ?? defaults.minScore,
      nmsIou: options.nmsIou ?? defaults.nmsIou,
      inputSize: options.inputSize ?? 640,
      maxFaces: options.maxFaces ?? 100,
    },
  };
}
