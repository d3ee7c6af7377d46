import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";

/** File names of the standard TF.js "layers-model" artifacts. */
export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

type ModelArtifacts = tf.io.ModelArtifacts;
type ModelJSON = tf.io.ModelJSON;

/**
 * IOHandler that loads a TF.js layers model (`model.json` + weight shards) from a local folder,
 * for `tf.loadLayersModel(fileSystemLoader(dir))` in Node without tfjs-node.
 */
export function fileSystemLoader(dir: string): tf.io.IOHandler {
  return {
    load: async (): Promise<ModelArtifacts> => {
      const jsonPath = path.join(dir, MODEL_JSON);
      const modelJson = JSON.parse(await readFile(jsonPath, "utf8")) as ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const shard of group.paths) {
            const bytes = await readFile(path.join(dir, shard));
            buffers.push(
              bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
            );
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * IOHandler that saves a TF.js layers model to a local folder as `model.json` + one `weights.bin`
 * (`await model.save(fileSystemSaver(dir))`). The folder is created if needed; existing files are
 * overwritten, so callers wanting atomic replacement save to a temporary folder and rename.
 */
export function fileSystemSaver(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts: ModelArtifacts): Promise<tf.io.SaveResult> => {
      const topology = artifacts.modelTopology;
      if (topology == null || topology instanceof ArrayBuffer) {
        throw new Error("fileSystemSaver: only layers models with a JSON topology can be saved");
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const weightData = artifacts.weightData
        ? tf.io.CompositeArrayBuffer.join(artifacts.weightData)
        : new ArrayBuffer(0);
      const modelJson: ModelJSON = {
        modelTopology: topology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeFile(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData), { mode: 0o600 });
      await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson), { mode: 0o600 });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
