import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initTfjsBackend } from "../vision/tfjs/backend.ts";
import { fileSystemLoader } from "../vision/tfjs/fs-io.ts";
import type { TemplateSpace } from "./gallery.ts";
import { compileHead } from "./head-forward.ts";
import { HEAD_DIR, type VersionMetadata } from "./model-store.ts";
import { decideOpenSet, type OpenSetDecision } from "./open-set.ts";

/** A model version's classifier head as the daemon runs it: one open-set decision per candidate face. */
export interface VersionHead {
  decide(
    embedding: Float32Array,
    galleryScoreOf: (name: string) => number,
    space: TemplateSpace,
  ): OpenSetDecision;
  dispose(): void;
}

/**
 * Loads the head of the version in `dir` (not "the active one": current.json may move on while this loads, and
 * the gallery read a moment ago is from `dir`). The open-set rule (./open-set.ts), evaluated in plain JS when
 * the head's layers allow (they do for heads facegate trains), else through TF.js.
 */
export async function loadVersionHead(dir: string, metadata: VersionMetadata): Promise<VersionHead> {
  await initTfjsBackend();
  const model = await tf.loadLayersModel(fileSystemLoader(join(dir, HEAD_DIR)));
  const thresholds = { softmax: metadata.thresholds.softmax, gallery: metadata.thresholds.gallery };
  const fast = compileHead(model);
  if (fast) model.dispose(); // weights were copied out
  const probsOf = fast
    ? fast
    : (e: Float32Array) =>
        tf.tidy(() => (model.predict(tf.tensor2d(e, [1, e.length])) as tf.Tensor).dataSync() as Float32Array);
  return {
    decide: (embedding, galleryScoreOf, space) =>
      decideOpenSet(probsOf(embedding), metadata.classes, galleryScoreOf, thresholds, space),
    dispose: () => {
      if (!fast) model.dispose();
    },
  };
}
