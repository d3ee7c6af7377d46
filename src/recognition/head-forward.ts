import type * as tf from "@tensorflow/tfjs";

/** One step of a plain-JS forward pass over a 1-D vector. */
type Step = (x: Float32Array) => Float32Array;

/**
 * The trained head (Dense → Dropout → BatchNormalization → Dense softmax, see training/head.ts) as plain
 * JavaScript over copied weights. Through TF.js every op of a one-row batch pays the backend's dispatch cost
 * (~2 ms per face for this 4-layer head on wasm, measured); the same arithmetic here is ~0.05 ms, cheap enough
 * for the per-frame path on the main thread. Returns null for a head with any other layer: the caller then uses
 * TF.js.
 */
export function compileHead(model: tf.LayersModel): Step | null {
  const steps: Step[] = [];
  for (const layer of model.layers) {
    const config = layer.getConfig();
    const kind = layer.getClassName();
    if (kind === "Dropout") continue; // identity at inference
    const weights = layer.getWeights().map((w) => w.dataSync() as Float32Array);
    if (kind === "Dense") {
      const [kernel, bias] = weights;
      const units = Number(config.units);
      const activation = String(config.activation ?? "linear");
      if (!["relu", "softmax", "linear"].includes(activation)) return null;
      steps.push(dense(Float32Array.from(kernel), bias ? Float32Array.from(bias) : null, units, activation));
    } else if (kind === "BatchNormalization") {
      if (config.center === false || config.scale === false || weights.length !== 4) return null;
      const [gamma, beta, mean, variance] = weights;
      const eps = Number(config.epsilon ?? 1e-3);
      const a = gamma.map((g, i) => g / Math.sqrt(variance[i] + eps));
      const b = beta.map((bt, i) => bt - mean[i] * a[i]);
      steps.push((x) => x.map((v, i) => v * a[i] + b[i]));
    } else return null;
  }
  return (x) => steps.reduce((v, step) => step(v), x);
}

/** kernel is [in, units] row-major, as Keras/TF.js store it. */
function dense(kernel: Float32Array, bias: Float32Array | null, units: number, activation: string): Step {
  return (x) => {
    const out = bias ? Float32Array.from(bias) : new Float32Array(units);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const row = i * units;
      for (let j = 0; j < units; j++) out[j] += xi * kernel[row + j];
    }
    if (activation === "relu") for (let j = 0; j < units; j++) out[j] = Math.max(0, out[j]);
    else if (activation === "softmax") {
      let max = -Infinity;
      for (const v of out) max = Math.max(max, v);
      let sum = 0;
      for (let j = 0; j < units; j++) {
        out[j] = Math.exp(out[j] - max);
        sum += out[j];
      }
      for (let j = 0; j < units; j++) out[j] /= sum;
    }
    return out;
  };
}
