import type { Frame, FrameSource } from "../capture/types.ts";
import type { SameFaceBounds } from "../recognition/continuity.ts";
import type { Logger } from "../system/logger.ts";
import { IouTracker, MotionGate, type Track } from "../tracking/index.ts";
import type { AnalyzedFace } from "../vision/analyzer.ts";
import type { Detection } from "../vision/types.ts";
import type { AnalysisResult } from "../vision/worker/vision-client.ts";
import type { PipelineBus } from "./bus.ts";
import { CameraStatsWindow } from "./camera-stats.ts";
import { dropNestedFaces } from "./face-filter.ts";
import { cropFace } from "./snapshot.ts";
import { type DeciderEvent, type DeciderFace, type MatchSource, TrackDecider } from "./track-decider.ts";

/** The part of VisionClient a pipeline uses (shared by every camera; one request in flight per camera). */
export interface FrameAnalyzer {
  analyzeRaw(
    image: Frame["image"],
    scale: number,
    opts: { skipEmbedding?: Detection["box"][]; maxFaces?: number },
  ): Promise<AnalysisResult>;
}

/** The whole-face classifier as a pipeline uses it (FaceClassifierClient): one softmax per box. */
export interface BoxClassifier {
  classify(image: Frame["image"], boxes: Detection["box"][]): Promise<Float32Array[]>;
}

export interface CameraPipelineOptions {
  camera: string;
  source: FrameSource;
  vision: FrameAnalyzer;
  /** The current matcher, read per frame so a reload applies from the next frame on. */
  matcher: () => MatchSource | null;
  /** When two faces pass as the same person (splits a visit a newcomer took over); null: never split. */
  sameFace: () => SameFaceBounds | null;
  bus: PipelineBus;
  logger: Logger;
  /** Called for every frame that really arrived (the watchdog's evidence that frames advance). */
  onFrame: (camera: string, timestamp: number) => void;
  maxAttemptsPerTrack: number;
  maxAttemptsPerVisit: number;
  minAgreeingFrames: number;
  minFacePx: number;
  /** Run the detector on every n-th frame (the others only feed the motion gate). */
  detectEveryN: number;
  /** Copy face crops into decision events (for snapshots). */
  cropFaces: boolean;
  /** Copy each visit's best face out of its frame, handed with the decision in its basis (for captures). */
  keepBestFaces?: boolean;
  /** recognition.classifier: classifies the faces that were embedded (undecided tracks) in its own worker. */
  classifier?: BoxClassifier;
}

/** A face as the vision worker gave it, plus the classifier's softmax when one is configured. */
type ClassifiedFace = AnalyzedFace & Pick<DeciderFace, "classProbs">;

/** Faces analysed per frame at most: a doorway, not a crowd; bounds the worst-case frame time. */
const MAX_FACES = 8;
/**
 * Faces embedded per frame at most (tracks still undecided, fewest attempts first): four people arriving at once
 * make four frames of two embeddings rather than one frame four embeddings long, which bounds frame→event latency.
 * Faces of no track yet are always embedded (nothing to rank them by).
 */
const MAX_EMBEDDINGS_PER_FRAME = 2;
/**
 * While every live track is decided (and was seen by the latest detection), the detector runs on every n-th frame
 * at most (at least `detectEveryN`): the tracker coasts on its constant-velocity prediction in between. Frames
 * without detection never reach the tracker, so they count as no miss; a newcomer is seen at most n − 1 frames
 * later.
 */
const DECIDED_DETECT_EVERY_N = 3;
/** Tracks whose camera went silent this long end (a `left` event) even without a new frame. */
const SILENT_END_MS = 3000;

/**
 * One camera: newest frame → motion gate → detect/embed in the vision worker → tracker → visits (a decision per person) →
 * events on the bus. The loop awaits its own analysis, so while it is busy the capture mailbox keeps only the
 * newest frame (older ones count as drops). Nothing here logs per frame above debug.
 */
export class CameraPipeline {
  readonly stats = new CameraStatsWindow();
  readonly #tracker: IouTracker;
  readonly #gate = new MotionGate();
  readonly #decider: TrackDecider;
  readonly #log: Logger;
  #running = false;
  #busy = false;
  #loop: Promise<void> = Promise.resolve();
  #sweep: NodeJS.Timeout | null = null;
  #lastFrameAt = 0;
  #frameCount = 0;
  /** Frames since the detector last ran. */
  #sinceDetection = 0;
  #firstAnalysed = false;

  constructor(private readonly options: CameraPipelineOptions) {
    this.#tracker = new IouTracker({ camera: options.camera });
    this.#decider = new TrackDecider({
      camera: options.camera,
      maxAttemptsPerTrack: options.maxAttemptsPerTrack,
      maxAttemptsPerVisit: options.maxAttemptsPerVisit,
      minAgreeingFrames: options.minAgreeingFrames,
      minFacePx: options.minFacePx,
    });
    this.#log = options.logger;
  }

  get camera(): string {
    return this.options.camera;
  }

  get source(): FrameSource {
    return this.options.source;
  }

  get tracks(): number {
    return this.#tracker.size;
  }

  /** Starts capture and the frame loop. Rejects if the source cannot even start (bad settings). */
  async start(): Promise<void> {
    await this.options.source.start();
    this.#running = true;
    this.#loop = this.#run();
    // Tracks of a camera that stopped delivering must still end: checked while the loop waits for a frame.
    this.#sweep = setInterval(() => this.#endSilentTracks(), 1000);
    this.#sweep.unref();
  }

  /** Stops capture (reaping ffmpeg), lets the loop finish its frame, and ends the open tracks. */
  async stop(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    this.#running = false;
    await this.options.source.stop();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { source } = this.options;
    for (;;) {
      const frame = await source.nextFrame();
      if (!frame) break;
      this.#busy = true;
      try {
        await this.#process(frame);
      } catch (err) {
        // One bad frame (or a worker hiccup) must not end the camera.
        this.#log.warn({ err: (err as Error).message }, "frame analysis failed");
      } finally {
        this.#showFrame(frame);
        source.release(frame);
        this.#busy = false;
      }
      if (!this.#running) break;
    }
    this.#emit(this.#decider.endAll(this.#tracker.flush(), Date.now()), Date.now(), null);
    this.#log.debug("frame loop ended");
  }

  async #process(frame: Frame): Promise<void> {
    const o = this.options;
    this.#lastFrameAt = frame.timestamp;
    o.onFrame(o.camera, frame.timestamp);
    this.stats.frame();
    const nth = this.#frameCount++ % o.detectEveryN === 0;
    const verdict = this.#gate.check(frame.image, this.#tracker.size > 0);
    const plan = this.#embeddingPlan(frame.timestamp);
    const coast = plan.coast && this.#sinceDetection + 1 < Math.max(o.detectEveryN, DECIDED_DETECT_EVERY_N);
    if (!verdict.detect || (!nth && this.#tracker.size === 0) || coast) {
      this.#sinceDetection++;
      return;
    }
    this.#sinceDetection = 0;

    const skip = plan.skip;
    const started = performance.now();
    const analysis = await o.vision.analyzeRaw(frame.image, 1, { skipEmbedding: skip, maxFaces: MAX_FACES });
    const detectMs = performance.now() - started;
    if (!this.#firstAnalysed) {
      this.#firstAnalysed = true;
      // Start-up as a user feels it (process start → first frame through the models), once per camera.
      this.#log.info({ startup_ms: Math.round(process.uptime() * 1000) }, "first frame analysed");
    }
    const faces: ClassifiedFace[] = dropNestedFaces(analysis.faces);
    this.stats.detection(detectMs, faces.length);
    if (o.classifier) await this.#classify(o.classifier, frame, faces);

    const detections: Detection[] = faces.map((f) => ({
      box: f.box,
      score: f.detectorScore,
      landmarks: f.landmarks,
    }));
    const update = this.#tracker.update(detections, frame.timestamp);
    const faceOf = (track: Track): ClassifiedFace | undefined => {
      const i = detections.indexOf(track.detection);
      return i >= 0 ? faces[i] : undefined;
    };
    const events = this.#decider.observe(update, faceOf, o.matcher(), frame.timestamp, {
      sameFace: o.sameFace(),
      split: (t) => this.#split(t),
      image: o.keepBestFaces ? frame.image : undefined,
    });
    if (faces.length > 0 || events.length > 0)
      this.#log.debug(
        {
          seq: frame.seq,
          faces: faces.length,
          skipped: skip.length,
          tracks: update.active.length,
          ms: detectMs,
        },
        "frame analysed",
      );
    this.#emit(events, frame.timestamp, frame);
  }

  /**
   * Which live tracks' faces the worker may skip embedding: those whose visit wants no face on this frame (decided,
   * or pacing itself), and wanted ones beyond MAX_EMBEDDINGS_PER_FRAME, those with the most attempts. Boxes are
   * predicted to `timestamp`. `coast`: every live track's visit is settled (named, or out of budget: its faces are
   * wanted only for a look now and then, which rides on the detections that still run) and was seen by the latest
   * detection, so detection may pause.
   */
  #embeddingPlan(timestamp: number): { skip: Detection["box"][]; coast: boolean } {
    const skip: Detection["box"][] = [];
    const wanted: Array<{ track: Track; attempts: number }> = [];
    let allSettled = true;
    for (const track of this.#tracker.active) {
      allSettled &&= track.misses === 0 && this.#decider.settled(track);
      const attempts = this.#decider.attemptsOf(track, timestamp);
      if (attempts === null) skip.push(track.predict(timestamp));
      else wanted.push({ track, attempts });
    }
    // A tentative track is confirmed by this frame's match (the decider takes its face from then on): one more.
    for (const track of this.#tracker.tentative) wanted.push({ track, attempts: 0 });
    wanted.sort((a, b) => a.attempts - b.attempts || b.track.box[2] - a.track.box[2]);
    for (const { track } of wanted.slice(MAX_EMBEDDINGS_PER_FRAME)) skip.push(track.predict(timestamp));
    // A track the last detection missed may be leaving: detect every frame until it is seen or ends, so `left`
    // comes as soon as without coasting.
    const coast = this.#tracker.size > 0 && this.#tracker.tentative.length === 0 && allSettled;
    return { skip, coast };
  }

  /** A different person took the track's place (the decider saw it in their faces): they get a track of their own. */
  #split(track: Track): Track {
    const next = this.#tracker.split(track.id);
    this.#log.debug(
      { track: track.id, newcomer: next.id },
      "visit split: somebody else in the track's place",
    );
    return next;
  }

  /** Only faces that were embedded are classified: faces of settled visits skip the classifier too. */
  async #classify(classifier: BoxClassifier, frame: Frame, faces: ClassifiedFace[]): Promise<void> {
    const wanted = faces.filter((f) => f.embedding.length > 0 && f.faceSize >= this.options.minFacePx);
    const probs = await classifier.classify(
      frame.image,
      wanted.map((f) => f.box),
    );
    wanted.forEach((f, i) => {
      f.classProbs = probs[i];
    });
  }

  #emit(events: DeciderEvent[], frameTimestamp: number, frame: Frame | null): void {
    for (const { event, track, basis } of events) {
      const crop =
        this.options.cropFaces && frame && event.type !== "left"
          ? cropFace(frame.image, track.box)
          : undefined;
      if (event.type !== "left") this.stats.event(Date.now() - frameTimestamp);
      this.options.bus.emit("face", { event, crop, basis });
    }
  }

  /** Lends the frame and its tracks to live views, only while one listens (the pixels are theirs to copy now). */
  #showFrame(frame: Frame): void {
    const { bus, camera } = this.options;
    if (bus.listenerCount("frame") === 0) return;
    // Faces the latest detection saw (a track kept alive through misses may belong to a face long gone).
    const tracks = [...this.#tracker.active, ...this.#tracker.tentative]
      .filter((t) => t.misses === 0)
      .map((t) => ({ track_id: t.id, box: t.predict(frame.timestamp) }));
    bus.emit("frame", { camera, image: frame.image, timestamp: frame.timestamp, tracks });
  }

  /** Ends tracks by time when no frame came for a while (camera stalled, file ended); never mid-frame. */
  #endSilentTracks(): void {
    if (this.#busy || this.#tracker.size === 0) return;
    const now = Date.now();
    if (now - this.#lastFrameAt < SILENT_END_MS) return;
    this.#emit(this.#decider.endAll(this.#tracker.flush(), now), now, null);
  }
}
