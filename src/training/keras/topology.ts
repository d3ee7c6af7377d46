import { KerasImportError, UnsupportedLayerError } from "./errors.ts";
import {
  isJsonObject,
  isKerasLayerEntry,
  type Json,
  type JsonObject,
  type KerasLayerEntry,
  kerasLayerName,
} from "./json.ts";
import { convertLayer } from "./layer-converters.ts";

/** `[layer name, node index, tensor index, call kwargs]`: how TF.js (Keras 2 style) names a tensor. */
type TensorRef = [string, number, number, JsonObject];
/** `[layer name, node index, tensor index]` in `input_layers` / `output_layers`. */
type EndpointRef = [string, number, number];

/** A TF.js functional model config (what `model.json`'s `modelTopology` holds). */
export interface TfjsModelTopology {
  class_name: "Functional";
  config: {
    name: string;
    trainable: boolean;
    layers: TfjsLayerEntry[];
    input_layers: EndpointRef[];
    output_layers: EndpointRef[];
  };
}

interface TfjsLayerEntry {
  class_name: string;
  name: string;
  config: JsonObject;
  inbound_nodes: TensorRef[][];
}

const MODEL_CLASSES = new Set(["Functional", "Model", "Sequential"]);

/**
 * Converts a Keras 2 or Keras 3 model config (Sequential or Functional, possibly nested) into a
 * TF.js functional topology. Sequential models become functional graphs so nesting works the same
 * way at every level.
 */
export function convertModelTopology(model: KerasLayerEntry, kerasMajor: number): TfjsModelTopology {
  if (model.class_name === "Sequential") return convertSequential(model, kerasMajor);
  if (model.class_name === "Functional" || model.class_name === "Model")
    return convertFunctional(model, kerasMajor);
  throw new KerasImportError(
    "NOT_KERAS_MODEL",
    `model_config describes a ${model.class_name}, not a Sequential or Functional model`,
  );
}

function convertFunctional(model: KerasLayerEntry, kerasMajor: number): TfjsModelTopology {
  const name = kerasLayerName(model);
  const entries = layerEntries(model);
  const byName = new Map(entries.map((e) => [kerasLayerName(e), e]));
  const shift = (layerName: string): number => nodeIndexShift(byName.get(layerName), kerasMajor);
  const layers = entries.map((entry) => ({
    ...convertEntry(entry, kerasMajor),
    inbound_nodes: (entry.inbound_nodes ?? []).map((node) => convertInboundNode(node, entry, shift)),
  }));
  return {
    class_name: "Functional",
    config: {
      name,
      trainable: model.config.trainable !== false,
      layers,
      input_layers: endpoints(model.config.input_layers, name, shift),
      output_layers: endpoints(model.config.output_layers, name, shift),
    },
  };
}

function convertSequential(model: KerasLayerEntry, kerasMajor: number): TfjsModelTopology {
  const name = kerasLayerName(model);
  const entries = layerEntries(model);
  const layers: TfjsLayerEntry[] = [];
  let previous: EndpointRef;
  const first = entries[0];
  if (first?.class_name === "InputLayer") {
    layers.push({ ...convertEntry(first, kerasMajor), inbound_nodes: [] });
    entries.shift();
  } else {
    // Keras 2 puts the input shape on the first layer; Keras 3 keeps it as build_input_shape.
    const shape =
      first?.config.batch_input_shape ?? first?.config.batch_shape ?? model.config.build_input_shape;
    if (!Array.isArray(shape)) {
      throw new KerasImportError(
        "UNSUPPORTED_CONFIG",
        `Sequential model "${name}" has no input shape (never built)`,
      );
    }
    const inputName = `${name}_input`;
    layers.push({
      class_name: "InputLayer",
      name: inputName,
      config: { name: inputName, batch_input_shape: shape, dtype: "float32", sparse: false },
      inbound_nodes: [],
    });
  }
  previous = [layers[0].name, 0, 0];
  for (const entry of entries) {
    const converted = convertEntry(entry, kerasMajor);
    layers.push({ ...converted, inbound_nodes: [[[previous[0], previous[1], previous[2], {}]]] });
    // A nested model in TF.js already owns node 0 (its own inputs → outputs), so its call here is node 1.
    previous = [converted.name, MODEL_CLASSES.has(entry.class_name) ? 1 : 0, 0];
  }
  return {
    class_name: "Functional",
    config: {
      name,
      trainable: model.config.trainable !== false,
      layers,
      input_layers: [[layers[0].name, 0, 0]],
      output_layers: [previous],
    },
  };
}

function convertEntry(entry: KerasLayerEntry, kerasMajor: number): Omit<TfjsLayerEntry, "inbound_nodes"> {
  const name = kerasLayerName(entry);
  if (MODEL_CLASSES.has(entry.class_name)) {
    const nested = convertModelTopology(entry, kerasMajor);
    return { class_name: nested.class_name, name, config: nested.config as unknown as JsonObject };
  }
  const spec = convertLayer({ className: entry.class_name, name, config: entry.config, kerasMajor });
  return { class_name: spec.class_name, name, config: spec.config };
}

function layerEntries(model: KerasLayerEntry): KerasLayerEntry[] {
  const layers = model.config.layers;
  if (!Array.isArray(layers)) {
    throw new KerasImportError("NOT_KERAS_MODEL", `model "${kerasLayerName(model)}" has no layers list`);
  }
  return layers.map((l, i) => {
    if (!isKerasLayerEntry(l)) {
      throw new KerasImportError(
        "NOT_KERAS_MODEL",
        `model "${kerasLayerName(model)}": layer #${i} is malformed`,
      );
    }
    return l;
  });
}

/**
 * How much to add to a node index that points at `target` so it means the same node in TF.js.
 * TF.js (like tf.keras 2) gives every nested model a node 0 of its own, and tf.keras 2 configs
 * already count it; Keras 3 configs leave it out, and so do tf.keras 2 Sequentials with no InputLayer.
 */
function nodeIndexShift(target: KerasLayerEntry | undefined, kerasMajor: number): number {
  if (!target || !MODEL_CLASSES.has(target.class_name)) return 0;
  if (kerasMajor >= 3) return 1;
  if (target.class_name !== "Sequential") return 0;
  const layers = target.config.layers;
  const first = Array.isArray(layers) ? layers[0] : undefined;
  return isKerasLayerEntry(first) && first.class_name === "InputLayer" ? 0 : 1;
}

/** Converts one call of a layer (one entry of `inbound_nodes`) into TF.js's list of input tensors. */
function convertInboundNode(
  node: Json,
  entry: KerasLayerEntry,
  shift: (layer: string) => number,
): TensorRef[] {
  const layerName = kerasLayerName(entry);
  if (Array.isArray(node)) {
    // Keras 2: [[layer, node, tensor, kwargs], ...]
    return node.map((ref) => {
      if (
        !Array.isArray(ref) ||
        typeof ref[0] !== "string" ||
        typeof ref[1] !== "number" ||
        typeof ref[2] !== "number"
      ) {
        throw malformed(entry, ref);
      }
      return [ref[0], ref[1] + shift(ref[0]), ref[2], {}];
    });
  }
  if (isJsonObject(node)) {
    // Keras 3: {"args": [...], "kwargs": {...}} with tensors as {"class_name": "__keras_tensor__", ...}.
    const refs: TensorRef[] = [];
    collectKerasTensors(node.args ?? [], refs, shift);
    const fromKwargs: TensorRef[] = [];
    collectKerasTensors(node.kwargs ?? {}, fromKwargs, shift);
    if (fromKwargs.length > 0) {
      throw new UnsupportedLayerError(
        entry.class_name,
        layerName,
        "tensors passed as keyword arguments are not supported",
      );
    }
    return refs;
  }
  throw malformed(entry, node);
}

function collectKerasTensors(value: Json, out: TensorRef[], shift: (layer: string) => number): void {
  if (Array.isArray(value)) {
    for (const item of value) collectKerasTensors(item, out, shift);
    return;
  }
  if (!isJsonObject(value)) return;
  if (value.class_name === "__keras_tensor__" && isJsonObject(value.config)) {
    const history = value.config.keras_history;
    if (Array.isArray(history) && typeof history[0] === "string") {
      const [layer, node, tensor] = history;
      out.push([layer, Number(node) + shift(layer), Number(tensor), {}]);
      return;
    }
  }
  for (const item of Object.values(value)) collectKerasTensors(item, out, shift);
}

function endpoints(
  value: Json | undefined,
  modelName: string,
  shift: (layer: string) => number,
): EndpointRef[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new KerasImportError("NOT_KERAS_MODEL", `model "${modelName}" does not list its inputs/outputs`);
  }
  // Keras 3 writes a single endpoint as ["name", 0, 0] instead of [["name", 0, 0]].
  const list = typeof value[0] === "string" ? [value] : value;
  return list.map((ref) => {
    if (!Array.isArray(ref) || typeof ref[0] !== "string") {
      throw new KerasImportError(
        "NOT_KERAS_MODEL",
        `model "${modelName}": malformed endpoint ${JSON.stringify(ref)}`,
      );
    }
    return [ref[0], Number(ref[1] ?? 0) + shift(ref[0]), Number(ref[2] ?? 0)];
  });
}

function malformed(entry: KerasLayerEntry, node: Json): KerasImportError {
  return new KerasImportError(
    "NOT_KERAS_MODEL",
    `layer "${kerasLayerName(entry)}": cannot read inbound node ${JSON.stringify(node).slice(0, 200)}`,
  );
}
