import { EventEmitter } from "node:events";
import type { FaceEvent } from "../events/types.ts";
import type { FaceEventMessage, PipelineBus } from "../pipeline/bus.ts";
import { encodeJpeg } from "../pipeline/snapshot.ts";
import type { BestFace } from "../pipeline/visit.ts";
import { type Capture, type CaptureStore, newCaptureId } from "../recognition/capture-store.ts";
import { cosine } from "../recognition/matcher.ts";
import type { Logger } from "../system/logger.ts";
import type { RgbImage } from "../vision/types.ts";
import type { AnalysisResult } from "../vision/worker/vision-client.ts";

/** What the recorder needs of the vision worker: the upper face of a crop (the daemon embeds it for masked faces only). */
export interface CropAnalyzer {
  analyzeRaw(
    image: RgbImage,
    scale: number,
    opts: { withUpper?: boolean; maxFaces?: number },
  ): Promise<AnalysisResult>;
}

export interface CaptureRecorderOptions {
  bus: PipelineBus;
  store: CaptureStore;
  analyzer: CropAnalyzer;
  embedderId: () => string;
  max: number;
  retentionDays: number;
  logger: Logger;
}

/** A visit's best face with its pixels (the pipeline copies them only while captures are on). */
type CapturableFace = BestFace & { crop: RgbImage };

function capturable(best: BestFace | null | undefined): CapturableFace | null {
  return best?.crop ? (best as CapturableFace) : null;
}

/** Saves waiting at most; more (a crowd deciding at once) are dropped and logged rather than piling up frames. */
const MAX_PENDING = 16;
/** The crop's face must be the visit's face: its whole-face vector close to the one the pipeline made. */
const SAME_FACE = 0.5;

/**
 * Keeps the best face of every decided visit (identified and unknown) as a capture: listens to the bus's face
 * decisions, encodes the crop, completes its upper-face template from the crop when the pipeline had none, and
 * writes it through the capture store, bounded by `captures.max` and `captures.retention_days`. Emits `saved`
 * with each new capture. Saves run one at a time, off the frame path.
 */
export class CaptureRecorder extends EventEmitter<{ saved: [Capture] }> {
  #off: (() => void) | null = null;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;
  /** Live tracks that already have a capture: a later decision of the same visit updates it. */
  readonly #byTrack = new Map<string, string>();

  constructor(private readonly options: CaptureRecorderOptions) {
    super();
  }

  get store(): CaptureStore {
    return this.options.store;
  }

  start(): void {
    const { bus, store, max, retentionDays, logger } = this.options;
    try {
      store.prune(max, retentionDays);
    } catch (err) {
      logger.warn({ dir: store.dir, err: (err as Error).message }, "captures: cannot prune");
    }
    const onFace = (m: FaceEventMessage) => this.#onFace(m);
    bus.on("face", onFace);
    this.#off = () => bus.off("face", onFace);
  }

  /** Stops listening and waits for the saves under way. */
  async stop(): Promise<void> {
    this.#off?.();
    this.#off = null;
    await this.#queue;
  }

  #onFace({ event, basis }: FaceEventMessage): void {
    if (event.type === "left") {
      // After the saves queued so far (the visit's own decision among them).
      this.#queue = this.#queue.then(() => {
        this.#byTrack.delete(event.track_id);
      });
      return;
    }
    const best = capturable(basis?.best);
    if (!best) return;
    if (this.#pending >= MAX_PENDING) {
      this.options.logger.warn(
        { camera: event.camera, track: event.track_id },
        "captures: too many at once; one skipped",
      );
      return;
    }
    this.#pending++;
    this.#queue = this.#queue
      .then(() => this.#save({ event, best }))
      .catch((err) => this.options.logger.warn({ err: (err as Error).message }, "captures: save failed"))
      .finally(() => {
        this.#pending--;
      });
  }

  async #save({ event, best }: { event: FaceEvent; best: CapturableFace }): Promise<void> {
    const { store, max, retentionDays } = this.options;
    const existing = this.#byTrack.get(event.track_id);
    if (existing) {
      // The same visit decided again (e.g. unknown, then named on better frames): one capture per visit. What a
      // person said about it (assign, reject) is kept.
      const updated = store.update(existing, (c) => {
        c.decided_name = event.name;
        c.score = event.score;
        if (!c.assigned && !c.rejected.includes(event.name ?? "")) c.name = event.name;
      });
      if (updated) {
        this.emit("saved", updated);
        return;
      }
    }
    const { face, crop } = best;
    const upper = face.upperEmbedding ?? (await this.#upperFaceOf(crop, face.embedding));
    const jpeg = await encodeJpeg(crop, 88);
    const time = new Date(event.timestamp);
    const capture: Capture = {
      id: newCaptureId(event.camera, time),
      camera: event.camera,
      time: event.timestamp,
      first_seen: event.first_seen,
      track_id: event.track_id,
      name: event.name,
      decided_name: event.name,
      assigned: false,
      rejected: [],
      score: event.score,
      masked: face.masked,
      box: [best.box[0], best.box[1], best.box[2], best.box[3]].map(Math.round) as unknown as Capture["box"],
      embedder: this.options.embedderId(),
      embedding: face.embedding,
      upper,
    };
    store.save(capture, jpeg);
    this.#byTrack.set(event.track_id, capture.id);
    store.prune(max, retentionDays);
    this.emit("saved", capture);
  }

  /** The crop analysed again with the upper face; null when its face cannot be found again. */
  async #upperFaceOf(crop: RgbImage, embedding: Float32Array): Promise<Float32Array | null> {
    try {
      const { faces } = await this.options.analyzer.analyzeRaw(crop, 1, { withUpper: true, maxFaces: 3 });
      const same = faces
        .filter((f) => f.embedding.length === embedding.length && cosine(f.embedding, embedding) >= SAME_FACE)
        .sort((a, b) => cosine(b.embedding, embedding) - cosine(a.embedding, embedding));
      return same[0]?.upperEmbedding ?? null;
    } catch (err) {
      this.options.logger.debug({ err: (err as Error).message }, "captures: upper face not made");
      return null;
    }
  }
}
