import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { BlazeFaceDetector } from "../src/vision/detectors/blazeface.ts";
import { ArcFaceOnnxEmbedder } from "../src/vision/embedders/arcface-onnx.ts";
import { DEFAULT_MODELS_DIR } from "../src/vision/factory.ts";
import { mulberry32 } from "../src/vision/mask/rng.ts";
import type { RgbImage } from "../src/vision/types.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";

/**
 * onnxruntime-node starts a run a tick after `session.run()` is called and reads the input tensor then. Requests
 * that overlap (two cameras, or `identify` keeping two photos in flight) once shared one input buffer per model,
 * so a face could get another face's embedding. Overlapping calls must give exactly the sequential answers.
 */
function noiseImage(seed: number, width: number, height: number): RgbImage {
  const rng = mulberry32(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * 256);
  return { data, width, height };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

test("embedder: overlapping calls give the sequential embeddings", async () => {
  const embedder = await ArcFaceOnnxEmbedder.create(join(DEFAULT_MODELS_DIR, "fr_feature.onnx"), {
    intraOpThreads: 1,
  });
  try {
    const faces = [1, 2, 3, 4].map((s) => noiseImage(s, 112, 112));
    const sequential: Float32Array[] = [];
    for (const f of faces) sequential.push(await embedder.embed(f));
    const overlapping = await Promise.all([...faces, ...faces].map((f) => embedder.embed(f)));
    for (const [i, v] of overlapping.entries())
      assert.ok(maxDiff(v, sequential[i % faces.length]) < 1e-6, `call ${i} got another face's embedding`);
  } finally {
    await embedder.close();
  }
});

test("BlazeFace: overlapping calls give the sequential raw outputs", async () => {
  const det = await BlazeFaceDetector.create(join(DEFAULT_MODELS_DIR, "blazeface_back_256.onnx"), {
    intraOpThreads: 1,
  });
  try {
    const images = [noiseImage(7, 320, 240), noiseImage(8, 200, 300), noiseImage(9, 256, 256)];
    const sequential = [];
    for (const im of images) sequential.push(await det.infer(im));
    const overlapping = await Promise.all([...images, ...images].map((im) => det.infer(im)));
    for (const [i, out] of overlapping.entries()) {
      const ref = sequential[i % images.length];
      assert.ok(maxDiff(out.scores, ref.scores) < 1e-5, `call ${i}: scores of another image`);
    }
  } finally {
    await det.close();
  }
});

const PHOTOS = [
  "../shared/data/lfw-dev/images/Abdullah_Gul/Abdullah_Gul_0001.jpg",
  "../shared/data/lfw-dev/images/Amelie_Mauresmo/Amelie_Mauresmo_0001.jpg",
  "../shared/data/lfw-dev/masked/Abdullah_Gul/Abdullah_Gul_0006__surgical_blue.jpg",
].map((p) => resolve(p));

test("vision worker: photos analysed concurrently get their own faces", async (t) => {
  let bytes: Buffer[];
  try {
    bytes = PHOTOS.map((p) => readFileSync(p));
  } catch {
    t.skip("../shared/data is absent: skipping the real-photo check");
    return;
  }
  const vision = new VisionClient({ threads: 1 });
  await vision.start();
  try {
    const opts = { withUpper: true, maxFaces: 1 };
    const sequential: Awaited<ReturnType<VisionClient["analyzeEncoded"]>>[] = [];
    for (const b of bytes) sequential.push(await vision.analyzeEncoded(b, opts));
    const overlapping = await Promise.all([...bytes, ...bytes].map((b) => vision.analyzeEncoded(b, opts)));
    for (const [i, r] of overlapping.entries()) {
      const ref = sequential[i % bytes.length].faces[0];
      const got = r.faces[0];
      assert.ok(maxDiff(got.embedding, ref.embedding) < 1e-5, `photo ${i}: embedding of another photo`);
      assert.equal(got.masked, ref.masked);
      assert.ok(maxDiff(got.upperEmbedding ?? [], ref.upperEmbedding ?? []) < 1e-5);
    }
  } finally {
    await vision.stop();
  }
});
