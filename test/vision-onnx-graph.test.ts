import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import ort from "onnxruntime-node";
import { DEFAULT_MODELS_DIR } from "../src/vision/factory.ts";
import { mayHavePRelu, rewritePRelu } from "../src/vision/onnx-graph/prelu-rewrite.ts";
import {
  decodeMessage,
  encodeMessage,
  fieldsOf,
  nestedMessage,
  ProtobufError,
  stringOf,
} from "../src/vision/onnx-graph/protobuf-wire.ts";

// The models npm ci fetched (pinned by sha256): the rewrite is checked on the real embedder, not a toy graph.
const EMBEDDER = join(DEFAULT_MODELS_DIR, "fr_feature.onnx");
const BLAZEFACE = join(DEFAULT_MODELS_DIR, "blazeface_back_256.onnx");

const opTypes = (model: Uint8Array): string[] => {
  const graph = nestedMessage(
    decodeMessage(model).find((f) => f.field === 7) ?? { field: 7, wire: 0, value: 0n },
  );
  return fieldsOf(graph, 1).map((n) => stringOf(nestedMessage(n), 4));
};

test("an ONNX model decodes into fields and encodes back byte for byte", () => {
  const bytes = readFileSync(EMBEDDER);
  assert.deepEqual(Buffer.from(encodeMessage(decodeMessage(bytes))), bytes);
});

test("a truncated message is refused with a ProtobufError, not read past its end", () => {
  const bytes = readFileSync(BLAZEFACE).subarray(0, 1000);
  assert.throws(() => decodeMessage(bytes), ProtobufError);
});

test("models without PRelu are left alone", () => {
  const bytes = readFileSync(BLAZEFACE);
  assert.equal(mayHavePRelu(bytes), false);
  assert.equal(rewritePRelu(bytes), null);
});

test("the embedder's PRelu nodes are rewritten and its embeddings stay bit for bit the same", async () => {
  const bytes = readFileSync(EMBEDDER);
  assert.equal(mayHavePRelu(bytes), true);
  const result = rewritePRelu(bytes);
  assert.ok(result, "fr_feature.onnx has per-channel PRelu");
  const before = opTypes(bytes);
  const after = opTypes(result.bytes);
  const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;
  assert.equal(result.rewritten, count(before, "PRelu"));
  assert.ok(result.rewritten > 0);
  assert.equal(count(after, "PRelu"), 0);
  assert.equal(count(after, "Conv"), count(before, "Conv") + 2 * result.rewritten);

  const options: ort.InferenceSession.SessionOptions = { executionProviders: ["cpu"], intraOpNumThreads: 1 };
  const original = await ort.InferenceSession.create(EMBEDDER, options);
  const rewritten = await ort.InferenceSession.create(result.bytes, options);
  try {
    // Inputs as the embedder gets them ((pixel − 127) / 128), from a fixed pseudo-random sequence.
    let seed = 7;
    for (let k = 0; k < 3; k++) {
      const x = Float32Array.from({ length: 3 * 112 * 112 }, () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return ((seed >> 8) % 256) / 128 - 127 / 128;
      });
      const feed = (s: ort.InferenceSession) => ({
        [s.inputNames[0]]: new ort.Tensor("float32", x.slice(), [1, 3, 112, 112]),
      });
      const a = (await original.run(feed(original)))[original.outputNames[0]].data as Float32Array;
      const b = (await rewritten.run(feed(rewritten)))[rewritten.outputNames[0]].data as Float32Array;
      assert.equal(a.length, 512);
      assert.deepEqual(Array.from(b), Array.from(a), `input ${k}: outputs differ`);
    }
  } finally {
    await Promise.all([original.release(), rewritten.release()]);
  }
});
