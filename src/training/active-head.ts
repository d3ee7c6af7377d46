import * as tf from "@tensorflow/tfjs";
import type { TemplateSpace } from "../recognition/gallery.ts";
import { ModelStoreError } from "./errors.ts";
import { initTfjsBackend } from "./keras/tfjs-backend.ts";
import { fileSystemLoader } from "./keras/tfjs-fs-io.ts";
import { activeVersionDir, HEAD_DIR, readMetadata, type VersionMetadata } from "./model-store.ts";
import { decideOpenSet, type OpenSetDecision } from "./open-set.ts";

/** The active version's classifier head, ready for the daemon: one call per recognised face. */
export interface ActiveHead {
  version: string;
  metadata: VersionMetadata;
  /**
   * Open-set decision for one face: `galleryScoreOf(name)` is the face's cosine to that person's mean template
   * (the Matcher's score for the candidate). Returns a name only when the head and the gallery both agree.
   */
  decide(
    embedding: Float32Array,
    galleryScoreOf: (name: string) => number,
    space?: TemplateSpace,
  ): OpenSetDecision;
  dispose(): void;
}

/** Loads the active head, or null when the store has no active version. Refuses a head made for another embedder. */
export async function loadActiveHead(store: string, embedderId: string): Promise<ActiveHead | null> {
  const dir = activeVersionDir(store);
  if (!dir) return null;
  const metadata = readMetadata(dir);
  if (metadata.embedder !== embedderId)
    throw new ModelStoreError(
      store,
      `active model was trained for embedder "${metadata.embedder}", but "${embedderId}" is configured; retrain`,
    );
  await initTfjsBackend();
  const model = await tf.loadLayersModel(fileSystemLoader(`${dir}/${HEAD_DIR}`));
  const thresholds = { softmax: metadata.thresholds.softmax, gallery: metadata.thresholds.gallery };
  return {
    version: metadata.version,
    metadata,
    decide(embedding, galleryScoreOf, space = "full") {
      const probs = tf.tidy(() =>
        (model.predict(tf.tensor2d(embedding, [1, embedding.length])) as tf.Tensor).dataSync(),
      );
      return decideOpenSet(Float32Array.from(probs), metadata.classes, galleryScoreOf, thresholds, space);
    },
    dispose: () => model.dispose(),
  };
}
