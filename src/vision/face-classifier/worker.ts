// Worker-thread host for a whole-face Keras classifier (TF.js, wasm backend). A 224×224 CNN takes tens of
// milliseconds per face: far too long for the daemon's event loop, which also carries MQTT and capture.
import { workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { initTfjsBackend } from "../tfjs/backend.ts";
import { fileSystemLoader } from "../tfjs/fs-io.ts";
import { serveWorker } from "../worker/rpc.ts";
import { readClassNames } from "./class-names.ts";
import { classifierRegion, cropToTensor } from "./crop.ts";
import type {
  ClassifierInfo,
  ClassifyRequest,
  ClassifyResult,
  FaceClassifierWorkerData,
} from "./protocol.ts";

const { config } = workerData as FaceClassifierWorkerData;

/** Class names stored by `facegate import-h5 --class-names` in the model's metadata. */
function storedClassNames(model: tf.LayersModel): string[] | undefined {
  const meta = model.getUserDefinedMetadata() as { facegate?: { classNames?: unknown } } | undefined;
  const names = meta?.facegate?.classNames;
  return Array.isArray(names) && names.every((n) => typeof n === "string") ? names : undefined;
}

await serveWorker<ClassifierInfo, ClassifyRequest, ClassifyResult>("face-classifier", async () => {
  const backend = await initTfjsBackend();
  const model = await tf.loadLayersModel(fileSystemLoader(config.modelDir));
  const [, h, w, c] = model.inputs[0].shape;
  if (h !== config.inputSize || w !== config.inputSize || c !== 3)
    throw new Error(
      `${config.modelDir}: the model takes ${h}×${w}×${c} input, but input_size is ${config.inputSize} (RGB)`,
    );
  const units = model.outputs[0].shape.at(-1);
  const names = config.classNamesFile ? await readClassNames(config.classNamesFile) : storedClassNames(model);
  if (!names)
    throw new Error(`${config.modelDir}: no class names (set class_names, or import with --class-names)`);
  if (names.length !== units)
    throw new Error(`${config.modelDir}: the model has ${units} outputs but ${names.length} class names`);
  const classes = names;
  // The first prediction compiles wasm kernels: done now, not on the first face.
  tf.tidy(() => model.predict(tf.zeros([1, config.inputSize, config.inputSize, 3])));
  return {
    info: { classes, backend, inputSize: config.inputSize },
    handle(req) {
      const started = performance.now();
      const size = config.inputSize;
      const n = req.boxes.length;
      const input = new Float32Array(n * size * size * 3);
      for (const [i, box] of req.boxes.entries()) {
        const region = classifierRegion(box, config.cropScale);
        cropToTensor(req.image, region, size, config.preprocess, input, i * size * size * 3);
      }
      const flat = tf.tidy(() =>
        (model.predict(tf.tensor4d(input, [n, size, size, 3])) as tf.Tensor).dataSync(),
      ) as Float32Array;
      const k = classes.length;
      const probs = Array.from({ length: n }, (_, i) => flat.slice(i * k, (i + 1) * k));
      return { probs, ms: performance.now() - started };
    },
    close: () => {
      model.dispose();
    },
  };
});
