import * as tf from "@tensorflow/tfjs";
import { initTfjsBackend } from "../../vision/tfjs/backend.ts";
import { KerasImportError } from "./errors.ts";
import { readKerasH5 } from "./h5-reader.ts";
import { convertModelTopology } from "./topology.ts";
import { assignKerasWeights } from "./weights.ts";

type ModelFromJsonInput = Parameters<typeof tf.models.modelFromJSON>[0];

/** A Keras model rebuilt in TF.js, with its weights loaded. */
export interface ConvertedKerasModel {
  model: tf.LayersModel;
  kerasVersion: string;
  summary: ModelSummary;
}

/** What `import-h5` prints about a converted model. */
export interface ModelSummary {
  name: string;
  /** Layers at every nesting level, InputLayers and nested-model wrappers not counted. */
  layers: number;
  params: number;
  inputShapes: (number | null)[][];
  outputShapes: (number | null)[][];
}

/** Reads a Keras 2/3 `.h5` model and rebuilds it as a TF.js layers model with Keras's weights. */
export async function loadKerasH5(h5Path: string): Promise<ConvertedKerasModel> {
  const contents = await readKerasH5(h5Path);
  const kerasMajor = Number.parseInt(contents.kerasVersion.split(".")[0] ?? "", 10) || 2;
  const topology = convertModelTopology(contents.modelConfig, kerasMajor);
  await initTfjsBackend();
  let model: tf.LayersModel;
  try {
    const modelTopology = { ...topology, keras_version: contents.kerasVersion, backend: "tensor_flow.js" };
    // The topology is plain JSON; TF.js types it as its own PyJsonDict.
    model = await tf.models.modelFromJSON({ modelTopology } as unknown as ModelFromJsonInput);
  } catch (error) {
    throw new KerasImportError(
      "UNSUPPORTED_CONFIG",
      `${h5Path}: TF.js could not build the converted model (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  try {
    assignKerasWeights(model, contents.layerWeights);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, kerasVersion: contents.kerasVersion, summary: summarize(model) };
}

export function summarize(model: tf.LayersModel): ModelSummary {
  return {
    name: model.name,
    layers: countLayers(model),
    params: model.countParams(),
    inputShapes: model.inputs.map((t) => [...t.shape]),
    outputShapes: model.outputs.map((t) => [...t.shape]),
  };
}

function countLayers(model: tf.LayersModel): number {
  let count = 0;
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) count += countLayers(layer);
    else if (layer.getClassName() !== "InputLayer") count += 1;
  }
  return count;
}
