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
    });
  } catch (err) {
    throw new ModelMissingError(path, (err as Error).message);
  }
}

export { ort };
