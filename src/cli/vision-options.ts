import type { DetectorKind, VisionConfig } from "../vision/factory.ts";
import { UsageError } from "./args.ts";

/** Flags shared by every command that loads the vision models. */
export const visionFlags = {
  "models-dir": { type: "string" },
  detector: { type: "string" },
  "detector-model": { type: "string" },
  "embedder-model": { type: "string" },
  threads: { type: "string" },
} as const;

const KINDS: DetectorKind[] = ["cascade", "blazeface", "rfb320", "yunet", "scrfd"];

export function visionConfigFrom(values: {
  "models-dir"?: string;
  detector?: string;
  "detector-model"?: string;
  "embedder-model"?: string;
  threads?: string;
}): VisionConfig {
  const kind = values.detector as DetectorKind | undefined;
  if (kind && !KINDS.includes(kind)) throw new UsageError(`--detector must be one of ${KINDS.join(", ")}`);
  const threads = values.threads ? Number(values.threads) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
    throw new UsageError("--threads must be a positive integer");
  }
  return {
    modelsDir: values["models-dir"],
    detector: { kind, model: values["detector-model"] },
    embedder: { model: values["embedder-model"] },
    threads,
  };
}
