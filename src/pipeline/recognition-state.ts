import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ModelInfo } from "../events/types.ts";
import type { Gallery } from "../recognition/gallery.ts";
import { readGalleryFor } from "../recognition/gallery-file.ts";
import {
  activeVersionDir,
  GALLERY_FILE,
  hasHead,
  readMetadata,
  readMetadataFor,
} from "../recognition/model-store.ts";
import { buildMatcher, calibrationFor, type ThresholdOverrides } from "../recognition/recognizer.ts";
import type { VersionHead } from "../recognition/version-head.ts";
import { ClassifierMatch } from "./classifier-match.ts";
import { HeadMatch } from "./head-match.ts";
import type { MatchSource } from "./track-decider.ts";

export interface RecognitionStateOptions {
  /** `gallery` from the settings: used while the model store has no active version (or none is configured). */
  galleryPath: string;
  /** `training.store`: its active version's gallery and head win over `galleryPath`. */
  store?: string;
  /** The running embedder's id: a gallery or head made with another one is refused. */
  embedderId: string;
  calibrationPath: string;
  /** Classes of the whole-face classifier (recognition.classifier); when set, it names faces, not the gallery. */
  classifier?: { classes: readonly string[]; source: string };
}

export interface LoadOptions {
  thresholds: ThresholdOverrides;
  /** The classifier's `unknown_threshold` (re-read from the settings on reload). */
  unknownThreshold?: number;
}

export type LoadResult = { ok: true; model: ModelInfo; ms: number } | { ok: false; error: string };

interface Loaded {
  source: MatchSource | null;
  model: ModelInfo;
  head: VersionHead | null;
}

/**
 * The model the cameras match against, swapped as a whole. `load()` builds everything new first (gallery,
 * thresholds, the version's head) and only then replaces the current one, so a failed reload (a truncated or
 * foreign gallery, a version made for another embedder, a missing threshold) leaves the previous one in use.
 * A missing gallery file is an empty gallery: everyone is `unknown` until people are enrolled. Loads run one at
 * a time (a SIGHUP during a store switch waits), so the last one started is the one that stays.
 */
export class RecognitionState {
  #current: Loaded | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RecognitionStateOptions) {}

  /** What names faces now; null while nobody is enrolled. Read per frame, never blocks. */
  get matcher(): MatchSource | null {
    return this.#current?.source ?? null;
  }

  get people(): readonly string[] {
    return this.#current?.model.people ?? [];
  }

  get model(): ModelInfo | null {
    return this.#current?.model ?? null;
  }

  /** (Re)loads the model with these thresholds; never throws. */
  load(opts: LoadOptions): Promise<LoadResult> {
    const run = this.#queue.then(() => this.#load(opts));
    this.#queue = run;
    return run;
  }

  /** Releases the head's tensors. */
  dispose(): void {
    this.#current?.head?.dispose();
    this.#current = null;
  }

  async #load(opts: LoadOptions): Promise<LoadResult> {
    const started = performance.now();
    let next: Loaded;
    try {
      next = await this.#build(opts);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const old = this.#current;
    this.#current = next;
    // Safe at once: decide() is synchronous, so no frame is half-way through the old head.
    if (old?.head && old.head !== next.head) old.head.dispose();
    return { ok: true, model: next.model, ms: performance.now() - started };
  }

  async #build(opts: LoadOptions): Promise<Loaded> {
    const { galleryPath, store, embedderId, calibrationPath, classifier } = this.options;
    if (classifier) {
      const people = classifier.classes.filter((c) => !c.startsWith("__"));
      const source = new ClassifierMatch(classifier.classes, opts.unknownThreshold ?? 0.8);
      return {
        source,
        head: null,
        model: { version: classifier.source, source: "keras", people, created: null },
      };
    }
    const dir = store ? activeVersionDir(store) : null;
    // A version without its gallery is damaged, not empty (unlike a gallery file nobody has enrolled into yet).
    if (dir && !existsSync(join(dir, GALLERY_FILE))) throw new Error(`${dir} has no ${GALLERY_FILE}`);
    const gallery: Gallery | null = readGalleryFor(dir ? join(dir, GALLERY_FILE) : galleryPath, embedderId);
    const metadata = dir ? readMetadata(dir) : null;
    const people = gallery ? gallery.names() : [];
    const model: ModelInfo = {
      version: metadata?.version ?? null,
      source: dir ? "store" : "gallery",
      people,
      created: metadata?.created ?? null,
    };
    if (!gallery || gallery.people.size === 0) return { source: null, head: null, model };
    const matcher = buildMatcher(gallery, calibrationFor(calibrationPath, embedderId), opts.thresholds);
    // The head is optional in a version (a gallery-only version has none).
    const head = dir ? await loadHeadIfAny(dir, embedderId) : null;
    return { source: head ? new HeadMatch(matcher, head) : matcher, head, model };
  }
}

/** The version's head, or null for a version without one; a version made for another embedder is refused. */
async function loadHeadIfAny(dir: string, embedderId: string): Promise<VersionHead | null> {
  const meta = readMetadataFor(dir, embedderId);
  if (!hasHead(dir)) return null;
  // TensorFlow.js costs ~57 MB of memory just to import: load it only when a trained head is really used.
  const { loadVersionHead } = await import("../recognition/version-head.ts");
  return loadVersionHead(dir, meta);
}
