import { readFile } from "node:fs/promises";
import type { MaskClassifier, MaskInput } from "../mask-classifier.ts";
import type { RgbImage } from "../types.ts";
import { FEATURE_COUNT, maskFeatures } from "./features.ts";

/**
 * The JSON the training script writes: feature standardisation, one tanh hidden layer, a logistic output.
 * Inputs: the 448 pixel features, then (when `embedding` > 0) the whole-face embedding's values.
 */
export interface MaskModelJson {
  id: string;
  features: number;
  /** Length of the embedding appended to the pixel features (0 or absent: pixels only, as in v1). */
  embedding?: number;
  /** Decision threshold on the probability, chosen on development data; 0.5 when absent. */
  threshold?: number;
  hidden: number;
  mean: number[];
  std: number[];
  /** hidden × features, row-major. */
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number;
  /** How it was trained, for people reading the file. */
  recipe?: string;
}

export class MaskModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MaskModelError";
  }
}

/** Tiny MLP on hand-made features: a few microseconds of arithmetic, no runtime beyond plain TypeScript. */
export class MlpMaskClassifier implements MaskClassifier {
  readonly id: string;
  readonly threshold: number;
  readonly embeddingSize: number;
  private readonly feats: Float32Array<ArrayBuffer>;
  private readonly mean: Float32Array;
  private readonly scale: Float32Array;
  private readonly w1: Float32Array;
  private readonly b1: Float32Array;
  private readonly w2: Float32Array;
  private readonly b2: number;
  private readonly hidden: number;

  constructor(model: MaskModelJson) {
    const e = model.embedding ?? 0;
    const f = FEATURE_COUNT + e;
    const h = model.hidden;
    if (model.features !== f || model.mean.length !== f || model.std.length !== f) {
      throw new MaskModelError(
        `mask model "${model.id}" expects ${model.features} features, this code makes ${f}`,
      );
    }
    if (model.w1.length !== h * f || model.b1.length !== h || model.w2.length !== h) {
      throw new MaskModelError(`mask model "${model.id}" has weights of the wrong size`);
    }
    this.id = model.id;
    this.threshold = model.threshold ?? 0.5;
    this.embeddingSize = e;
    this.feats = new Float32Array(f);
    this.hidden = h;
    this.mean = Float32Array.from(model.mean);
    this.scale = Float32Array.from(model.std, (s) => 1 / (s || 1));
    this.w1 = Float32Array.from(model.w1);
    this.b1 = Float32Array.from(model.b1);
    this.w2 = Float32Array.from(model.w2);
    this.b2 = model.b2;
  }

  static async load(path: string): Promise<MlpMaskClassifier> {
    let model: MaskModelJson;
    try {
      model = JSON.parse(await readFile(path, "utf8")) as MaskModelJson;
    } catch (err) {
      throw new MaskModelError(`cannot read mask model ${path}: ${(err as Error).message}`);
    }
    return new MlpMaskClassifier(model);
  }

  /** Synchronous core, also used by evaluation loops. */
  predictSync(aligned: RgbImage, embedding?: Float32Array): number {
    maskFeatures(aligned, this.feats.subarray(0, FEATURE_COUNT));
    if (this.embeddingSize) {
      if (embedding?.length !== this.embeddingSize) {
        throw new MaskModelError(
          `mask model "${this.id}" needs a ${this.embeddingSize}-d embedding, got ${embedding?.length ?? 0}`,
        );
      }
      this.feats.set(embedding, FEATURE_COUNT);
    }
    return this.predictFeatures(this.feats);
  }

  /** Probability from a raw feature vector (standardised here, in a scratch copy). */
  predictFeatures(raw: Float32Array): number {
    const x = raw === this.feats ? raw : this.feats;
    if (x !== raw) x.set(raw);
    const f = x.length;
    for (let i = 0; i < f; i++) x[i] = (x[i] - this.mean[i]) * this.scale[i];
    let z = this.b2;
    for (let j = 0; j < this.hidden; j++) {
      let a = this.b1[j];
      const row = j * f;
      for (let i = 0; i < f; i++) a += this.w1[row + i] * x[i];
      z += this.w2[j] * Math.tanh(a);
    }
    return 1 / (1 + Math.exp(-z));
  }

  async predict(face: MaskInput): Promise<number> {
    return this.predictSync(face.aligned, face.embedding);
  }

  async close(): Promise<void> {}
}
