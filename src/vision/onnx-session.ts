import { existsSync, readFileSync } from "node:fs";
import ort from "onnxruntime-node";
import { collectGarbage } from "../system/gc-nudge.ts";
import { ModelMissingError } from "./errors.ts";
import { mayHavePRelu, rewritePRelu } from "./onnx-graph/prelu-rewrite.ts";

export interface SessionOptions {
  /** Threads for one operator; 1 keeps a small board's other core free for the rest of the pipeline. */
  intraOpThreads?: number;
}

/**
 * Creates an ONNX Runtime CPU session with the project's defaults and a clear error for a missing file. A model
 * with per-channel PRelu (the default embedder) is loaded with those nodes rewritten in memory into an exact
 * equivalent onnxruntime runs ~2× faster (see onnx-graph/prelu-rewrite.ts); the file itself is never changed,
 * and should the rewritten graph ever be refused, the file is loaded as it is.
 */
export async function createSession(path: string, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ModelMissingError(path);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: opts.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    logSeverityLevel: 3,
    // Memory before a few % of speed (a Pi Zero 2 has 512 MB): the CPU arena keeps every block it ever handed
    // out (~10 MB), and the memory pattern keeps one planned block per model and input shape (~10 MB in the
    // daemon); without both, inference takes ~5 % more CPU (measured on the four models, `npm run bench`).
    // "all" graph optimisations stay: at "extended" the embedder needs 7 MB less but inference takes 1.5–3×.
    enableCpuMemArena: false,
    enableMemPattern: false,
  };
  const faster = await createRewritten(path, options);
  if (faster) {
    // The file and the rewritten copy (~10 MB for the embedder) are garbage now: freed before frames arrive.
    collectGarbage("major");
    return faster;
  }
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (err) {
    throw new ModelMissingError(path, (err as Error).message);
  }
}

/** A session on the model with its PRelu nodes rewritten; null when there is nothing to rewrite (or it failed). */
async function createRewritten(
  path: string,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession | null> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  if (!mayHavePRelu(bytes)) return null;
  let rewritten: Uint8Array | null;
  try {
    rewritten = rewritePRelu(bytes)?.bytes ?? null;
  } catch {
    return null; // not a well-formed protobuf: let onnxruntime say what is wrong with it
  }
  if (!rewritten) return null;
  try {
    return await ort.InferenceSession.create(rewritten, options);
  } catch {
    // An unusual graph the rewrite did not foresee: the original is always right, only slower.
    return null;
  }
}

export { ort };
