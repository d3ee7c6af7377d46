import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Paths only, no model code: the daemon's main thread needs WEIGHTS_DIR but must not load onnxruntime or sharp
// (each costs the main thread several MB; the vision worker loads them).

/** The package root (two levels above this file in src/ and in dist/). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_MODELS_DIR = process.env.FACEGATE_MODELS_DIR ?? join(PACKAGE_ROOT, "models");
/** Small weights the project trains itself, committed to the repository. */
export const WEIGHTS_DIR = join(PACKAGE_ROOT, "weights");
export const UPPER_PROJECTION_FILE = "upper-projection.json";
