import { existsSync } from "node:fs";
import { join } from "node:path";
import { WEIGHTS_DIR } from "../factory.ts";
import type { MaskClassifier } from "../mask-classifier.ts";
import { MlpMaskClassifier } from "./mlp-classifier.ts";

/** File name of the committed mask-flag weights (the version is in the model's id inside). */
export const MASK_WEIGHTS_FILE = "mask-classifier.json";

/** Loads the project's trained mask classifier from weights/, or null when it is not there. */
export async function loadDefaultMaskClassifier(_threads?: number): Promise<MaskClassifier | null> {
  const path = join(WEIGHTS_DIR, MASK_WEIGHTS_FILE);
  if (!existsSync(path)) return null;
  return MlpMaskClassifier.load(path);
}
