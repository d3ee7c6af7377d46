// Converts the real Keras models in ../shared/fixtures/keras and compares with Keras's own outputs.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { importKerasH5 } from "../src/training/keras/import-h5.ts";
import { readNpy } from "../src/training/keras/npy.ts";
import { fileSystemLoader } from "../src/vision/tfjs/fs-io.ts";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../shared/fixtures/keras");
const EXPECTED = path.join(FIXTURES, "expected.json");
const skip = existsSync(EXPECTED) ? false : `Keras fixtures not found at ${FIXTURES} (../shared is absent)`;

interface Expected {
  models: Record<string, { softmax: number[] }[]>;
  inputs: Record<string, string>;
}

const TOLERANCE = 1e-4;

describe("Keras .h5 fixtures reproduce Keras's outputs", { skip }, () => {
  let expected: Expected;
  let dir: string;
  before(async () => {
    expected = JSON.parse(await readFile(EXPECTED, "utf8")) as Expected;
    dir = await mkdtemp(path.join(tmpdir(), "facegate-keras-fixtures-"));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, number[]][] = [
    ["seed_scratch.h5", [224, 224, 3]],
    ["seed_transfer.h5", [224, 224, 3]],
    ["fer2013_mini_XCEPTION.102-0.66.hdf5", [64, 64, 1]],
    ["gender_mini_XCEPTION.21-0.95.hdf5", [64, 64, 1]],
  ];
  for (const [file, inputShape] of cases) {
    it(`${file}: converts, saves, reloads and matches Keras within ${TOLERANCE}`, async () => {
      const rows = expected.models[file];
      assert.ok(rows && rows.length > 0, `expected.json has no outputs for ${file}`);
      const outDir = path.join(dir, file);
      const { summary } = await importKerasH5(path.join(FIXTURES, file), outDir);
      assert.deepEqual(summary.inputShapes, [[null, ...inputShape]]);
      assert.deepEqual(summary.outputShapes, [[null, rows[0].softmax.length]]);

      const model = await tf.loadLayersModel(fileSystemLoader(outDir));
      const input = await readNpy(path.join(FIXTURES, expected.inputs[file]));
      assert.deepEqual(input.shape, [rows.length, ...inputShape]);
      const x = tf.tensor(input.data as Float32Array, input.shape);
      const y = model.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [rows.length, rows[0].softmax.length]);
      const got = (await y.array()) as number[][];
      let maxDiff = 0;
      rows.forEach((row, i) => {
        row.softmax.forEach((v, j) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - got[i][j]));
        });
      });
      assert.ok(maxDiff <= TOLERANCE, `${file}: max abs difference ${maxDiff} > ${TOLERANCE}`);
      tf.dispose([x, y]);
      model.dispose();
    });
  }
});
