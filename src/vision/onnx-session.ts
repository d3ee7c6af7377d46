import { existsSync } from "node:fs";
import ort from "onnxruntime-node";
import { ModelMissingError } from "./errors.ts";

export interface SessionOptions {
  /** Threads for one operator; 1 keeps a small board's other core free for the rest of the pipeline. */
  intraOpThreads?: number;
}

/** Creates an ONNX Runtime CPU session with the project's defaults and a clear error for a missing file. */
export async function createSession(path: string, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ModelMissingError(path);
  try {
    return await ort.InferenceSession.create(path, {
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
    });
  } catch (err) {
    throw new ModelMissingError(path, (err as Error).message);
  }
}

export { ort };
