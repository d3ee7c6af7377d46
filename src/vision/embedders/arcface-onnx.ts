import type ort from "onnxruntime-node";
import { InputBuffers } from "../input-buffers.ts";
import { createSession, ort as onnx, type SessionOptions } from "../onnx-session.ts";
import type { Embedder, RgbImage } from "../types.ts";

export interface ArcFaceOnnxOptions extends SessionOptions {
  /** Id stored with galleries; defaults to the file name. */
  id?: string;
  mean?: number;
  std?: number;
}

/**
 * Any ArcFace-style ONNX embedder taking NCHW RGB 112×112, normalised (x − mean) / std, giving one vector.
 * The default `fr_feature.onnx` uses mean 127, std 128 and returns 512 values.
 */
export class ArcFaceOnnxEmbedder implements Embedder {
  readonly inputSize = 112;
  readonly #inputs = new InputBuffers();

  private constructor(
    readonly id: string,
    readonly dim: number,
    private readonly session: ort.InferenceSession,
    private readonly mean: number,
    private readonly std: number,
  ) {}

  static async create(modelPath: string, opts: ArcFaceOnnxOptions = {}): Promise<ArcFaceOnnxEmbedder> {
    const session = await createSession(modelPath, opts);
    const meta = session.outputMetadata?.[0] as { shape?: readonly (number | string)[] } | undefined;
    const dim = Number(meta?.shape?.[1] ?? 512);
    const id =
      opts.id ??
      modelPath
        .split(/[\\/]/)
        .pop()
        ?.replace(/\.onnx$/, "") ??
      "embedder";
    return new ArcFaceOnnxEmbedder(id, dim, session, opts.mean ?? 127, opts.std ?? 128);
  }

  async embed(aligned: RgbImage): Promise<Float32Array> {
    if (aligned.width !== 112 || aligned.height !== 112)
      throw new Error("embedder needs a 112×112 aligned face");
    const plane = 112 * 112;
    const { data } = aligned;
    // A buffer of this call's own until its run has finished: onnxruntime-node reads the input only when the run
    // actually starts (a later tick), so a buffer shared with a concurrent call would give one face another's
    // embedding.
    return this.#inputs.with(3 * plane, async (input) => {
      const k = 1 / this.std;
      for (let i = 0, p = 0; i < plane; i++, p += 3) {
        input[i] = (data[p] - this.mean) * k;
        input[plane + i] = (data[p + 1] - this.mean) * k;
        input[2 * plane + i] = (data[p + 2] - this.mean) * k;
      }
      const feeds = { [this.session.inputNames[0]]: new onnx.Tensor("float32", input, [1, 3, 112, 112]) };
      const out = await this.session.run(feeds);
      return l2normalize(Float32Array.from(out[this.session.outputNames[0]].data as Float32Array));
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}
