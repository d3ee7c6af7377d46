// Builds small Keras-layout .h5 files with h5wasm's writer (no Python needed) and checks the
// converter against the same network assembled directly with the TF.js layers API.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import h5wasm from "h5wasm/node";
import { loadKerasH5 } from "../src/training/keras/convert.ts";
import { KerasImportError, UnsupportedLayerError } from "../src/training/keras/errors.ts";
import { importKerasH5 } from "../src/training/keras/import-h5.ts";
import { fileSystemLoader } from "../src/vision/tfjs/fs-io.ts";

type Weights = Record<string, { shape: number[]; values: Float32Array }>;

/** Writes a Keras legacy-h5 model file: root attrs + model_weights/<layer>/<weight_names...>. */
async function writeKerasH5(
  file: string,
  kerasVersion: string,
  modelConfig: object,
  groups: { layer: string; weights: [string, number[], Float32Array][] }[],
): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "w");
  f.create_attribute("keras_version", kerasVersion);
  f.create_attribute("backend", "tensorflow");
  f.create_attribute("model_config", JSON.stringify(modelConfig));
  const mw = f.create_group("model_weights");
  mw.create_attribute(
    "layer_names",
    groups.map((g) => g.layer),
  );
  for (const g of groups) {
    const group = mw.create_group(g.layer);
    if (g.weights.length === 0) continue;
    group.create_attribute(
      "weight_names",
      g.weights.map(([name]) => name),
    );
    for (const [name, shape, values] of g.weights) {
      const parts = name.split("/");
      let parent = group;
      for (const part of parts.slice(0, -1)) {
        const existing = parent.get(part);
        parent = existing instanceof h5wasm.Group ? existing : parent.create_group(part);
      }
      parent.create_dataset({ name: parts.at(-1) as string, data: values, shape, dtype: "<f" });
    }
  }
  f.close();
}

/** Deterministic pseudo-random values so failures reproduce. */
function values(n: number, seed: number, offset = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5 + offset;
  });
}

const k3tensor = (layer: string) => ({
  class_name: "__keras_tensor__",
  config: { shape: null, dtype: "float32", keras_history: [layer, 0, 0] },
});
const k3 = (className: string, name: string, config: object, inputs: string[] | null) => ({
  class_name: className,
  name,
  config: {
    name,
    trainable: true,
    dtype: { class_name: "DTypePolicy", config: { name: "float32" } },
    ...config,
  },
  inbound_nodes:
    inputs === null
      ? []
      : [{ args: inputs.length === 1 ? [k3tensor(inputs[0])] : [inputs.map(k3tensor)], kwargs: {} }],
});

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "facegate-keras-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe("Keras 3 layout: Functional with a nested Sequential", () => {
  const w: Weights = {
    kernel: { shape: [3, 3, 2, 3], values: values(54, 1) },
    bias: { shape: [3], values: values(3, 2) },
    gamma: { shape: [3], values: values(3, 3, 1) },
    beta: { shape: [3], values: values(3, 4) },
    mean: { shape: [3], values: values(3, 5) },
    variance: { shape: [3], values: values(3, 6, 1) },
    dense: { shape: [30, 4], values: values(120, 7) },
    denseBias: { shape: [4], values: values(4, 8) },
  };
  const config = {
    class_name: "Functional",
    config: {
      name: "outer",
      trainable: true,
      layers: [
        k3("InputLayer", "in", { batch_shape: [null, 6, 6, 2] }, null),
        {
          class_name: "Sequential",
          name: "block",
          config: {
            name: "block",
            trainable: true,
            layers: [
              { class_name: "InputLayer", config: { name: "block_in", batch_shape: [null, 6, 6, 2] } },
              {
                class_name: "Conv2D",
                config: {
                  name: "c1",
                  filters: 3,
                  kernel_size: [3, 3],
                  strides: [1, 1],
                  padding: "same",
                  activation: "relu",
                  use_bias: true,
                  groups: 1,
                  data_format: "channels_last",
                  dilation_rate: [1, 1],
                },
              },
              {
                class_name: "BatchNormalization",
                config: { name: "bn", axis: -1, epsilon: 0.001, center: true, scale: true, momentum: 0.99 },
              },
            ],
            build_input_shape: [null, 6, 6, 2],
          },
          inbound_nodes: [{ args: [k3tensor("in")], kwargs: {} }],
        },
        k3("GlobalAveragePooling2D", "gap", { data_format: "channels_last", keepdims: false }, ["block"]),
        k3(
          "ZeroPadding2D",
          "pad",
          {
            padding: [
              [0, 0],
              [0, 0],
            ],
            data_format: "channels_last",
          },
          ["block"],
        ),
        k3(
          "AveragePooling2D",
          "avg",
          { pool_size: [2, 2], strides: null, padding: "valid", data_format: "channels_last" },
          ["pad"],
        ),
        k3("Flatten", "flat", { data_format: "channels_last" }, ["avg"]),
        k3("Concatenate", "cat", { axis: -1 }, ["gap", "flat"]),
        k3("Dense", "head", { units: 4, activation: "softmax", use_bias: true }, ["cat"]),
      ],
      input_layers: ["in", 0, 0],
      output_layers: ["head", 0, 0],
    },
  };

  it("reproduces the same network built directly in TF.js", async () => {
    const file = path.join(dir, "k3.h5");
    await writeKerasH5(file, "3.15.1", config, [
      { layer: "in", weights: [] },
      {
        layer: "block",
        weights: [
          ["c1/kernel", w.kernel.shape, w.kernel.values],
          ["c1/bias", w.bias.shape, w.bias.values],
          ["bn/gamma", w.gamma.shape, w.gamma.values],
          ["bn/beta", w.beta.shape, w.beta.values],
          ["bn/moving_mean", w.mean.shape, w.mean.values],
          ["bn/moving_variance", w.variance.shape, w.variance.values],
        ],
      },
      { layer: "gap", weights: [] },
      {
        layer: "head",
        weights: [
          ["outer/head/kernel", w.dense.shape, w.dense.values],
          ["outer/head/bias", w.denseBias.shape, w.denseBias.values],
        ],
      },
    ]);
    const { model, summary } = await loadKerasH5(file);
    assert.deepEqual(summary.inputShapes, [[null, 6, 6, 2]]);
    assert.deepEqual(summary.outputShapes, [[null, 4]]);
    assert.equal(summary.params, 54 + 3 + 4 * 3 + 120 + 4);

    const x = tf.tensor(values(2 * 6 * 6 * 2, 9), [2, 6, 6, 2]);
    const expected = tf.tidy(() => {
      const t = (v: { shape: number[]; values: Float32Array }) => tf.tensor(v.values, v.shape);
      const conv = tf.relu(
        tf.add(tf.conv2d(x as tf.Tensor4D, t(w.kernel) as tf.Tensor4D, 1, "same"), t(w.bias)),
      );
      const bn = tf.batchNorm(conv, t(w.mean), t(w.variance), t(w.beta), t(w.gamma), 0.001);
      const gap = tf.mean(bn, [1, 2]);
      const avg = tf.reshape(tf.avgPool(bn as tf.Tensor4D, 2, 2, "valid"), [2, 27]);
      return tf.softmax(tf.add(tf.matMul(tf.concat([gap, avg], 1), t(w.dense)), t(w.denseBias)));
    });
    const got = model.predict(x) as tf.Tensor;
    assert.ok(maxAbsDiff(got, expected) < 1e-5);
    model.dispose();
  });

  it("round-trips through importKerasH5 + fileSystemLoader with class names", async () => {
    const file = path.join(dir, "k3.h5");
    const out = path.join(dir, "k3-out");
    const result = await importKerasH5(file, out, { classNames: ["a", "b", "c", "d"] });
    assert.equal(result.summary.layers, 8);
    // Importing again replaces the folder atomically.
    await importKerasH5(file, out, { classNames: ["a", "b", "c", "d"] });
    const modelJson = JSON.parse(await readFile(path.join(out, "model.json"), "utf8"));
    assert.equal(modelJson.format, "layers-model");
    const loaded = await tf.loadLayersModel(fileSystemLoader(out));
    assert.deepEqual(
      (loaded.getUserDefinedMetadata() as { facegate: { classNames: string[] } }).facegate.classNames,
      ["a", "b", "c", "d"],
    );
    const { model } = await loadKerasH5(file);
    const x = tf.tensor(values(6 * 6 * 2, 10), [1, 6, 6, 2]);
    assert.ok(maxAbsDiff(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor) < 1e-7);
    await assert.rejects(
      importKerasH5(file, out, { classNames: ["only-one"] }),
      /1 class names given but the model has 4 outputs/,
    );
  });
});

describe("Keras 2 layout: nested Model with renamed, trainable-first weights", () => {
  const k2 = (className: string, name: string, config: object, inputs: [string, number][]) => ({
    class_name: className,
    name,
    config: { name, trainable: true, ...config },
    inbound_nodes: inputs.length === 0 ? [] : [inputs.map(([n, node]) => [n, node, 0, {}])],
  });
  const conv = values(1 * 1 * 3 * 4, 11);
  const gamma = values(4, 12, 1);
  const beta = values(4, 13);
  const mean = values(4, 14);
  const variance = values(4, 15, 1);
  const depthwise = values(3 * 3 * 4, 16);
  const pointwise = values(4 * 2, 17);
  const sepBias = values(2, 18);
  const dense = values(2 * 3, 19);
  const config = {
    class_name: "Model",
    config: {
      name: "outer",
      layers: [
        k2(
          "InputLayer",
          "input_1",
          { batch_input_shape: [null, 5, 5, 3], dtype: "float32", sparse: false },
          [],
        ),
        {
          class_name: "Model",
          name: "base",
          config: {
            name: "base",
            layers: [
              k2(
                "InputLayer",
                "input_2",
                { batch_input_shape: [null, 5, 5, 3], dtype: "float32", sparse: false },
                [],
              ),
              k2(
                "Conv2D",
                "conv",
                {
                  filters: 4,
                  kernel_size: [1, 1],
                  strides: [1, 1],
                  padding: "valid",
                  activation: "linear",
                  use_bias: false,
                  data_format: "channels_last",
                  dilation_rate: [1, 1],
                },
                [["input_2", 0]],
              ),
              k2(
                "BatchNormalization",
                "bn",
                { axis: -1, epsilon: 0.001, center: true, scale: true, momentum: 0.99 },
                [["conv", 0]],
              ),
              k2("ReLU", "relu6", { max_value: 6, negative_slope: 0, threshold: 0 }, [["bn", 0]]),
              k2(
                "SeparableConv2D",
                "sep",
                {
                  filters: 2,
                  kernel_size: [3, 3],
                  strides: [2, 2],
                  padding: "same",
                  depth_multiplier: 1,
                  activation: "linear",
                  use_bias: true,
                  data_format: "channels_last",
                  dilation_rate: [1, 1],
                },
                [["relu6", 0]],
              ),
            ],
            input_layers: [["input_2", 0, 0]],
            output_layers: [["sep", 0, 0]],
          },
          // tf.keras 2.2+ counts the nested model's own node, so its first call is node 1.
          inbound_nodes: [[["input_1", 0, 0, {}]]],
        },
        k2("GlobalMaxPooling2D", "gmp", { data_format: "channels_last" }, [["base", 1]]),
        k2("Dense", "fc", { units: 3, activation: "linear", use_bias: false }, [["gmp", 0]]),
        k2("Activation", "act", { activation: "tanh" }, [["fc", 0]]),
      ],
      input_layers: [["input_1", 0, 0]],
      output_layers: [["act", 0, 0]],
    },
  };

  it("assigns weights by order when Keras renamed them, and matches TF.js", async () => {
    const file = path.join(dir, "k2.h5");
    await writeKerasH5(file, "2.2.4", config, [
      { layer: "input_1", weights: [] },
      {
        layer: "base",
        weights: [
          ["conv_1/kernel:0", [1, 1, 3, 4], conv],
          ["bn_1/gamma:0", [4], gamma],
          ["bn_1/beta:0", [4], beta],
          ["sep_1/depthwise_kernel:0", [3, 3, 4, 1], depthwise],
          ["sep_1/pointwise_kernel:0", [1, 1, 4, 2], pointwise],
          ["sep_1/bias:0", [2], sepBias],
          ["bn_1/moving_mean:0", [4], mean],
          ["bn_1/moving_variance:0", [4], variance],
        ],
      },
      { layer: "gmp", weights: [] },
      { layer: "fc", weights: [["fc_1/kernel:0", [2, 3], dense]] },
      { layer: "act", weights: [] },
    ]);
    const { model } = await loadKerasH5(file);
    const x = tf.tensor(values(2 * 5 * 5 * 3, 20, 0), [2, 5, 5, 3]);
    const expected = tf.tidy(() => {
      const c = tf.conv2d(x as tf.Tensor4D, tf.tensor4d(conv, [1, 1, 3, 4]), 1, "valid");
      const b = tf.batchNorm(
        c,
        tf.tensor(mean),
        tf.tensor(variance),
        tf.tensor(beta),
        tf.tensor(gamma),
        0.001,
      );
      const r = tf.clipByValue(b, 0, 6);
      const s = tf.add(
        tf.separableConv2d(
          r as tf.Tensor4D,
          tf.tensor4d(depthwise, [3, 3, 4, 1]),
          tf.tensor4d(pointwise, [1, 1, 4, 2]),
          2,
          "same",
        ),
        tf.tensor(sepBias),
      );
      return tf.tanh(tf.matMul(tf.max(s, [1, 2]), tf.tensor2d(dense, [2, 3])));
    });
    assert.ok(maxAbsDiff(model.predict(x) as tf.Tensor, expected) < 1e-5);
    model.dispose();
  });
});

describe("errors", () => {
  const withLayer = (layer: object) => ({
    class_name: "Functional",
    config: {
      name: "m",
      layers: [
        k3("InputLayer", "in", { batch_shape: [null, 4, 3] }, null),
        { ...layer, inbound_nodes: [{ args: [k3tensor("in")], kwargs: {} }] },
      ],
      input_layers: ["in", 0, 0],
      output_layers: [(layer as { name: string }).name, 0, 0],
    },
  });

  it("names an unsupported layer type and the layer", async () => {
    const file = path.join(dir, "lstm.h5");
    await writeKerasH5(
      file,
      "3.15.1",
      withLayer({ class_name: "LSTM", name: "my_rnn", config: { name: "my_rnn", units: 2 } }),
      [],
    );
    await assert.rejects(loadKerasH5(file), (error: unknown) => {
      assert.ok(error instanceof UnsupportedLayerError);
      assert.equal(error.code, "UNSUPPORTED_LAYER");
      assert.match(error.message, /LSTM/);
      assert.match(error.message, /"my_rnn"/);
      return true;
    });
  });

  it("names an unsupported option of a supported layer", async () => {
    const file = path.join(dir, "cf.h5");
    const conv = {
      class_name: "Conv2D",
      name: "cf_conv",
      config: { name: "cf_conv", filters: 2, kernel_size: 3, data_format: "channels_first" },
    };
    await writeKerasH5(file, "3.15.1", withLayer(conv), []);
    await assert.rejects(
      loadKerasH5(file),
      /layer "cf_conv" \(Conv2D\): data_format "channels_first" is not supported/,
    );
  });

  it("rejects a file that is not HDF5", async () => {
    const file = path.join(dir, "not.h5");
    await writeFile(file, "this is not an hdf5 file\n".repeat(100));
    await assert.rejects(
      loadKerasH5(file),
      (error: unknown) => error instanceof KerasImportError && error.code === "NOT_HDF5",
    );
  });

  it("rejects a missing file", async () => {
    await assert.rejects(loadKerasH5(path.join(dir, "absent.h5")), (error: unknown) => {
      return error instanceof KerasImportError && error.code === "FILE_NOT_FOUND";
    });
  });

  it("rejects a truncated file with a clear message", async () => {
    const whole = path.join(dir, "whole.h5");
    const dense = { class_name: "Dense", name: "d", config: { name: "d", units: 64, use_bias: false } };
    await writeKerasH5(whole, "3.15.1", withLayer(dense), [
      { layer: "d", weights: [["m/d/kernel", [3, 64], values(192, 1)]] },
    ]);
    const bytes = await readFile(whole);
    const file = path.join(dir, "truncated.h5");
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(loadKerasH5(file), /truncated HDF5 file/);
  });

  it("rejects an HDF5 file without a model config (weights-only)", async () => {
    await h5wasm.ready;
    const file = path.join(dir, "weights-only.h5");
    const f = new h5wasm.File(file, "w");
    f.create_attribute("layer_names", ["dense"]);
    f.close();
    await assert.rejects(loadKerasH5(file), /no model_config attribute/);
  });

  it("rejects weights whose shape does not fit the layer", async () => {
    const file = path.join(dir, "shape.h5");
    const dense = {
      class_name: "Dense",
      name: "d",
      config: { name: "d", units: 2, activation: "linear", use_bias: false },
    };
    await writeKerasH5(file, "3.15.1", withLayer(dense), [
      { layer: "d", weights: [["m/d/kernel", [2, 3], values(6, 1)]] },
    ]);
    await assert.rejects(
      loadKerasH5(file),
      /layer "d": weight m\/d\/kernel has shape \[2,3\] but TF.js expects \[3,2\]/,
    );
  });
});
