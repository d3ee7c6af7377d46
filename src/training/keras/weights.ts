import * as tf from "@tensorflow/tfjs";
import { KerasImportError } from "./errors.ts";
import type { H5Weight } from "./h5-reader.ts";

type Layer = tf.layers.Layer;

/**
 * Copies the weights read from a Keras `.h5` into a TF.js model built from the same config.
 * Keras stores one group per top-level layer; a nested model's group holds the weights of all its
 * inner layers, which are handed out by layer name (falling back to order where Keras 2 renamed them).
 */
export function assignKerasWeights(model: tf.LayersModel, layerWeights: Map<string, H5Weight[]>): void {
  const known = new Set(model.layers.map((l) => l.name));
  for (const [name, weights] of layerWeights) {
    if (weights.length > 0 && !known.has(name)) {
      throw new KerasImportError(
        "WEIGHTS_MISMATCH",
        `the file has weights for layer "${name}", which the model config lacks`,
      );
    }
  }
  for (const layer of model.layers) {
    const weights = layerWeights.get(layer.name) ?? [];
    if (layer instanceof tf.LayersModel) assignNestedModel(layer, weights);
    else assignLayer(layer, weights, layer.name);
  }
}

function assignNestedModel(model: tf.LayersModel, weights: H5Weight[]): void {
  const leaves = weightedLeaves(model, model.name);
  const byPrefix = new Map<string, H5Weight[]>();
  for (const w of weights) {
    const prefix = w.name.includes("/") ? w.name.slice(0, w.name.lastIndexOf("/")) : "";
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), w]);
  }
  const assigned = new Map<Leaf, H5Weight[]>();
  const unmatched: H5Weight[][] = [];
  for (const [prefix, group] of byPrefix) {
    const owner = prefix.split("/").at(-1) ?? "";
    const candidates = leaves.filter((leaf) => leaf.layer.name === owner && !assigned.has(leaf));
    if (candidates.length === 1) assigned.set(candidates[0], group);
    else unmatched.push(group);
  }
  // Keras 2 (TF1 graph) weight names can carry a "_1" suffix; those groups follow layer order.
  const remaining = leaves.filter((leaf) => !assigned.has(leaf));
  if (remaining.length !== unmatched.length) {
    throw new KerasImportError(
      "WEIGHTS_MISMATCH",
      `nested model "${model.name}": ${remaining.length} layers with weights (${remaining
        .map((l) => l.path)
        .join(", ")}) but ${unmatched.length} unmatched weight groups in the file`,
    );
  }
  remaining.forEach((leaf, i) => {
    assigned.set(leaf, unmatched[i]);
  });
  for (const leaf of leaves) assignLayer(leaf.layer, assigned.get(leaf) ?? [], leaf.path);
}

interface Leaf {
  layer: Layer;
  path: string;
}

function weightedLeaves(model: tf.LayersModel, path: string): Leaf[] {
  return model.layers.flatMap((layer) => {
    if (layer instanceof tf.LayersModel) return weightedLeaves(layer, `${path}/${layer.name}`);
    return layer.weights.length > 0 ? [{ layer, path: `${path}/${layer.name}` }] : [];
  });
}

/** Sets one layer's weights, matching `kernel`, `bias`, `gamma`, ... by name, else by position. */
function assignLayer(layer: Layer, weights: H5Weight[], path: string): void {
  const targets = layer.weights;
  if (targets.length !== weights.length) {
    throw new KerasImportError(
      "WEIGHTS_MISMATCH",
      `layer "${path}" needs ${targets.length} weights [${targets.map((t) => shortName(t.originalName)).join(", ")}] but the file has ${weights.length} [${weights.map((w) => w.name).join(", ")}]`,
    );
  }
  if (targets.length === 0) return;
  const byName = new Map(weights.map((w) => [shortName(w.name), w]));
  const matchedByName = targets.every((t) => byName.has(shortName(t.originalName)));
  const ordered = targets.map((t, i) =>
    matchedByName ? (byName.get(shortName(t.originalName)) as H5Weight) : weights[i],
  );
  const tensors = ordered.map((w, i) => {
    const expected = targets[i].shape;
    if (expected.length !== w.shape.length || expected.some((d, k) => d !== w.shape[k])) {
      throw new KerasImportError(
        "WEIGHTS_MISMATCH",
        `layer "${path}": weight ${w.name} has shape [${w.shape}] but TF.js expects [${expected}]`,
      );
    }
    return tf.tensor(w.values, w.shape, "float32");
  });
  try {
    layer.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** `model/conv2d_1/kernel:0` → `kernel`. */
function shortName(name: string): string {
  return (name.split("/").at(-1) ?? name).replace(/:\d+$/, "");
}
