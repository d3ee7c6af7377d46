import assert from "node:assert/strict";
import { it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { compileHead } from "../src/recognition/head-forward.ts";
import { buildHead } from "../src/training/head.ts";
import { seededRng } from "../src/training/rng.ts";
import { initTfjsBackend } from "../src/vision/tfjs/backend.ts";

/** The daemon's plain-JS head gives TF.js' softmax for the head facegate trains (BatchNorm with real statistics). */
it("compileHead matches TF.js predict on a trained-shape head", async (t) => {
  await initTfjsBackend();
  const model = buildHead(512, 4, 64, 3);
  const rng = seededRng(5);
  const bn = model.getLayer("batch_normalization");
  const vec = (n: number, lo: number, hi: number) =>
    tf.tensor1d(Array.from({ length: n }, () => lo + rng() * (hi - lo)));
  bn.setWeights([vec(64, 0.5, 2), vec(64, -1, 1), vec(64, -0.5, 0.5), vec(64, 0.1, 3)]);
  const forward = compileHead(model);
  assert.ok(forward, "the trained head's layers are supported");
  const inputs = Array.from({ length: 20 }, () => Float32Array.from({ length: 512 }, () => rng() - 0.5));
  for (const x of inputs) {
    const want = tf.tidy(() => (model.predict(tf.tensor2d(x, [1, 512])) as tf.Tensor).dataSync());
    const got = forward(x);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `${got} vs ${want}`);
  }
  const timed = (f: () => void, n = 100) => {
    for (let i = 0; i < n; i++) f(); // warm-up: JIT, wasm kernels
    const started = performance.now();
    for (let i = 0; i < n; i++) f();
    return (performance.now() - started) / n;
  };
  const js = timed(() => forward(inputs[0]));
  const viaTf = timed(() =>
    tf.tidy(() => (model.predict(tf.tensor2d(inputs[0], [1, 512])) as tf.Tensor).dataSync()),
  );
  t.diagnostic(`per face: plain JS ${js.toFixed(3)} ms, TF.js (${tf.getBackend()}) ${viaTf.toFixed(3)} ms`);
  model.dispose();
});
