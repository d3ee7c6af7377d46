import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { capturedEnergy, projectionJson, topDirections } from "../src/training/upper-projection.ts";
import { decodeImage } from "../src/vision/decode.ts";
import { createAnalyzer, embedderIdFor, UPPER_PROJECTION_FILE, WEIGHTS_DIR } from "../src/vision/factory.ts";
import { mulberry32 } from "../src/vision/mask/rng.ts";
import {
  loadUpperProjection,
  UpperProjection,
  UpperProjectionError,
} from "../src/vision/upper-projection.ts";
import { tempDir } from "./helpers/temp-dir.ts";

const DIM = 16;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const axis = (i: number, dim = DIM) => {
  const v = new Float32Array(dim);
  v[i] = 1;
  return v;
};
const randomUnit = (rng: () => number, dim = DIM) => {
  const v = new Float32Array(dim).map(() => rng() - 0.5);
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};

test("projection removes the basis directions, renormalises, and is idempotent", () => {
  const p = new UpperProjection("t", "e", DIM, 2, [...axis(0), ...axis(3)]);
  const rng = mulberry32(3);
  for (let n = 0; n < 20; n++) {
    const v = randomUnit(rng);
    const once = p.apply(v);
    assert.ok(Math.abs(once[0]) < 1e-6 && Math.abs(once[3]) < 1e-6);
    assert.ok(Math.abs(dot(once, once) - 1) < 1e-5);
    const twice = p.apply(once);
    for (let i = 0; i < DIM; i++) assert.ok(Math.abs(twice[i] - once[i]) < 1e-6);
    // A template made before the projection existed scores lower against a projected probe, never higher.
    const probe = p.apply(randomUnit(rng));
    assert.ok(Math.abs(dot(probe, v)) <= Math.abs(dot(probe, p.apply(v))) + 1e-6);
  }
  assert.throws(() => p.apply(new Float32Array(DIM + 1)), UpperProjectionError);
});

test("subspace iteration finds planted directions among noise", () => {
  const rng = mulberry32(11);
  const u1 = randomUnit(rng);
  // A second direction orthogonal to the first.
  let u2 = randomUnit(rng);
  const c = dot(u1, u2);
  u2 = u2.map((x, i) => x - c * u1[i]);
  const n2 = Math.sqrt(dot(u2, u2));
  u2 = u2.map((x) => x / n2);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < 400; i++) {
    const a = 3 * (rng() - 0.5) + 1;
    const b = 2 * (rng() - 0.5);
    vectors.push(new Float32Array(DIM).map((_, j) => a * u1[j] + b * u2[j] + 0.05 * (rng() - 0.5)));
  }
  const basis = topDirections(vectors, 2, 1);
  const inSpan = (u: Float32Array) => dot(basis.subarray(0, DIM), u) ** 2 + dot(basis.subarray(DIM), u) ** 2;
  assert.ok(inSpan(u1) > 0.999, `u1 captured ${inSpan(u1)}`);
  assert.ok(inSpan(u2) > 0.999, `u2 captured ${inSpan(u2)}`);
  assert.ok(capturedEnergy(vectors, basis, 2) > 0.99);
  // Rows are orthonormal.
  assert.ok(Math.abs(dot(basis.subarray(0, DIM), basis.subarray(DIM))) < 1e-6);
  assert.throws(() => topDirections([], 2), /no difference vectors/);
  assert.throws(() => topDirections(vectors, DIM), RangeError);
});

test("files: round trip, another embedder's projection is not used, broken files are refused", () => {
  const dir = tempDir("facegate-proj-");
  const json = projectionJson("emb-1", Float32Array.from([...axis(1), ...axis(2)]), 2, "test");
  const path = join(dir, "p.json");
  writeFileSync(path, JSON.stringify(json));
  const p = loadUpperProjection(path, "emb-1");
  assert.ok(p);
  assert.equal(p.k, 2);
  assert.equal(loadUpperProjection(path, "emb-2"), null);
  assert.equal(loadUpperProjection(join(dir, "absent.json"), "emb-1"), null);
  writeFileSync(path, '{"format":"facegate-upper-projection","dim":16,"k":2,"basis":[1,2]}');
  assert.throws(() => loadUpperProjection(path, "emb-1"), UpperProjectionError);
  writeFileSync(path, "{trunc");
  assert.throws(() => loadUpperProjection(path, "emb-1"), /unreadable/);
  writeFileSync(path, '{"format":"something-else"}');
  assert.throws(() => loadUpperProjection(path, "emb-1"), /not a facegate upper-face projection/);
});

const MODELS = resolve("models");
const PHOTO = resolve("../shared/data/lfw-dev/images/Abdullah_Gul/Abdullah_Gul_0001.jpg");

test("the committed projection belongs to the default embedder and shapes the analyzer's upper-face vectors", async (t) => {
  let bytes: Buffer;
  try {
    bytes = readFileSync(PHOTO);
  } catch {
    t.skip(`../shared/data is absent (${PHOTO}): skipping the real-photo check`);
    return;
  }
  const weights = join(WEIGHTS_DIR, UPPER_PROJECTION_FILE);
  const projection = loadUpperProjection(weights, embedderIdFor(join(MODELS, "fr_feature.onnx")));
  assert.ok(projection, `${weights} must exist and belong to the default embedder`);
  const withP = await createAnalyzer({ threads: 1 });
  const without = await createAnalyzer({ threads: 1, upperProjection: false });
  try {
    assert.equal(withP.upperProjection?.id, projection.id);
    assert.equal(without.upperProjection, null);
    const decoded = await decodeImage(bytes);
    const [a] = await withP.analyzeDecoded(decoded, { withUpper: true, maxFaces: 1 });
    const [b] = await without.analyzeDecoded(decoded, { withUpper: true, maxFaces: 1 });
    assert.ok(a.upperEmbedding && b.upperEmbedding);
    const expected = projection.apply(b.upperEmbedding);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(expected[i] - a.upperEmbedding[i]) < 1e-5);
    // The whole-face vector is untouched.
    for (let i = 0; i < a.embedding.length; i++) assert.ok(Math.abs(a.embedding[i] - b.embedding[i]) < 1e-6);
  } finally {
    await Promise.all([withP.close(), without.close()]);
  }
});
