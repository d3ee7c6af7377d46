import type { MaskModelJson } from "../../vision/mask/mlp-classifier.ts";
import type { Rng } from "../../vision/mask/rng.ts";

export interface Sample {
  x: Float32Array;
  /** 1 = masked. */
  y: number;
}

export interface MlpTrainOptions {
  hidden: number;
  epochs: number;
  learningRate: number;
  l2: number;
  batch: number;
}

/**
 * Full training of the tiny mask MLP (tanh hidden layer, logistic output, cross-entropy, Adam) in plain
 * TypeScript: the data is a few thousand vectors, so no framework is needed and the result is reproducible.
 */
export function trainMlp(
  samples: Sample[],
  rng: Rng,
  opts: MlpTrainOptions,
): Omit<MaskModelJson, "id" | "recipe"> {
  const f = samples[0].x.length;
  const h = opts.hidden;
  const mean = new Float64Array(f);
  const std = new Float64Array(f);
  for (const s of samples) for (let i = 0; i < f; i++) mean[i] += s.x[i] / samples.length;
  for (const s of samples) for (let i = 0; i < f; i++) std[i] += (s.x[i] - mean[i]) ** 2 / samples.length;
  for (let i = 0; i < f; i++) std[i] = Math.sqrt(std[i]) || 1;
  const xs = samples.map((s) => Float32Array.from(s.x, (v, i) => (v - mean[i]) / std[i]));
  const params = new Float64Array(h * f + h + h + 1);
  const w1 = 0;
  const b1 = h * f;
  const w2 = b1 + h;
  const b2 = w2 + h;
  for (let i = 0; i < h * f; i++) params[i] = (rng() * 2 - 1) * Math.sqrt(3 / f);
  for (let j = 0; j < h; j++) params[w2 + j] = (rng() * 2 - 1) * Math.sqrt(3 / h);
  const grad = new Float64Array(params.length);
  const m1 = new Float64Array(params.length);
  const m2 = new Float64Array(params.length);
  const act = new Float64Array(h);
  const order = samples.map((_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < order.length; start += opts.batch) {
      grad.fill(0);
      const end = Math.min(order.length, start + opts.batch);
      for (let k = start; k < end; k++) {
        const x = xs[order[k]];
        let z = params[b2];
        for (let j = 0; j < h; j++) {
          let a = params[b1 + j];
          const row = w1 + j * f;
          for (let i = 0; i < f; i++) a += params[row + i] * x[i];
          act[j] = Math.tanh(a);
          z += params[w2 + j] * act[j];
        }
        const dz = 1 / (1 + Math.exp(-z)) - samples[order[k]].y;
        grad[b2] += dz;
        for (let j = 0; j < h; j++) {
          grad[w2 + j] += dz * act[j];
          const da = dz * params[w2 + j] * (1 - act[j] * act[j]);
          grad[b1 + j] += da;
          const row = w1 + j * f;
          for (let i = 0; i < f; i++) grad[row + i] += da * x[i];
        }
      }
      const n = end - start;
      step++;
      const lr = opts.learningRate * Math.min(1, 1 - epoch / opts.epochs + 0.05);
      for (let p = 0; p < params.length; p++) {
        const g = grad[p] / n + (p < b1 ? opts.l2 * params[p] : 0);
        m1[p] = 0.9 * m1[p] + 0.1 * g;
        m2[p] = 0.999 * m2[p] + 0.001 * g * g;
        params[p] -= (lr * (m1[p] / (1 - 0.9 ** step))) / (Math.sqrt(m2[p] / (1 - 0.999 ** step)) + 1e-8);
      }
    }
  }
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return {
    features: f,
    hidden: h,
    mean: Array.from(mean, round),
    std: Array.from(std, round),
    w1: Array.from(params.subarray(w1, b1), round),
    b1: Array.from(params.subarray(b1, w2), round),
    w2: Array.from(params.subarray(w2, b2), round),
    b2: round(params[b2]),
  };
}
