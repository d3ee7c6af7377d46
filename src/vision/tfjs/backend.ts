import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

let chosen: Promise<string> | undefined;

/**
 * Selects the TF.js backend once per process: wasm (fast, no native build) and the pure-JS cpu
 * backend when wasm cannot start. Returns the backend name in use.
 */
export function initTfjsBackend(): Promise<string> {
  chosen ??= selectBackend();
  return chosen;
}

async function selectBackend(): Promise<string> {
  try {
    // In Node the .wasm binaries must be read from the package folder on disk, not fetched by URL.
    const require = createRequire(import.meta.url);
    const wasmFile = require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm");
    setWasmPaths(path.dirname(wasmFile) + path.sep);
    if (await tf.setBackend("wasm")) {
      await tf.ready();
      return tf.getBackend();
    }
  } catch {
    // Fall through to cpu: a missing or unloadable wasm file must not stop inference.
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return tf.getBackend();
}
