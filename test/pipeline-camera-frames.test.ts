import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CaptureStats, CaptureStatus, Frame, FrameSource } from "../src/capture/types.ts";
import type { FaceEvent } from "../src/events/types.ts";
import { PipelineBus } from "../src/pipeline/bus.ts";
import { CameraPipeline, type FrameAnalyzer } from "../src/pipeline/camera-pipeline.ts";
import { Gallery } from "../src/recognition/gallery.ts";
import { Matcher } from "../src/recognition/matcher.ts";
import type { Logger } from "../src/system/logger.ts";
import type { AnalyzedFace } from "../src/vision/analyzer.ts";
import type { Box, FivePoints } from "../src/vision/types.ts";

const DIM = 4;
const NAMES = ["Ann", "Bob", "Cid", "Dee"];
const unit = (i: number) => Float32Array.from({ length: DIM }, (_, k) => (k === i ? 1 : 0));
const gallery = new Gallery("test-embedder", DIM);
NAMES.forEach((name, i) => {
  gallery.put({
    name,
    enrolledAt: "",
    templates: [{ space: "full", vector: unit(i), source: name, masked: false }],
  });
});
const matcher = new Matcher(gallery, { full: 0.5, upper: 0.5 });
const landmarks = [
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
] as unknown as FivePoints;

const silent: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  child: () => silent,
} as unknown as Logger;

const W = 64;
const H = 48;
const T0 = 1_700_000_000_000;

/** The faces in view on one frame: gallery index and box. */
type Scene = Array<{ who: number; box: Box }>;

/** Hands out the scripted frames in order (each brighter or darker than the last, so the motion gate fires). */
class ScriptedSource implements FrameSource {
  readonly camera = "door";
  readonly status = {
    camera: "door",
    state: "running",
    reason: "",
    restarts: 0,
    timestamp: 0,
  } as CaptureStatus;
  readonly stats: CaptureStats = { framesIn: 0, drops: 0, restarts: 0, fpsIn: 0 };
  #next = 0;
  #drained: () => void = () => {};
  /** Resolves once every frame has been handed out. */
  readonly drained = new Promise<void>((resolve) => {
    this.#drained = resolve;
  });
  constructor(readonly frames: number) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async nextFrame(): Promise<Frame | null> {
    if (this.#next >= this.frames) {
      this.#drained();
      return null;
    }
    const seq = this.#next++;
    const data = new Uint8Array(W * H * 3).fill(seq % 2 ? 200 : 40);
    return { camera: this.camera, seq, timestamp: T0 + seq * 33, image: { width: W, height: H, data } };
  }
  release(): void {}
  onStatus(): () => void {
    return () => {};
  }
}

function overlaps(a: Box, b: Box): boolean {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  return ix * iy > 0.3 * (a[2] * a[3] + b[2] * b[3] - ix * iy);
}

/** Stands in for the vision worker: "detects" the scripted faces, embeds those not skipped. */
class ScriptedAnalyzer implements FrameAnalyzer {
  /** Per call: the frame number and how many faces were embedded. */
  readonly calls: Array<{ frame: number; embedded: number }> = [];
  #frame = 0;
  constructor(readonly scene: (frame: number) => Scene) {}
  /** The pipeline reads frames in order; each frame it analyses is told apart by the frame counter. */
  track(frame: number): void {
    this.#frame = frame;
  }
  async analyzeRaw(
    _image: Frame["image"],
    _scale: number,
    opts: { skipEmbedding?: Box[] },
  ): Promise<{ faces: AnalyzedFace[]; width: number; height: number }> {
    const faces = this.scene(this.#frame).map(({ who, box }): AnalyzedFace => {
      const skipped = opts.skipEmbedding?.some((b) => overlaps(b, box)) ?? false;
      return {
        box,
        landmarks,
        detectorScore: 0.9,
        embedding: skipped ? new Float32Array(0) : unit(who),
        masked: false,
        maskProbability: 0,
        faceSize: box[2],
        sharpness: 1,
      };
    });
    this.calls.push({ frame: this.#frame, embedded: faces.filter((f) => f.embedding.length > 0).length });
    return { faces, width: W, height: H };
  }
}

async function runPipeline(frames: number, scene: (frame: number) => Scene) {
  const analyzer = new ScriptedAnalyzer(scene);
  const source = new ScriptedSource(frames);
  const bus = new PipelineBus();
  const events: Array<{ frame: number; event: FaceEvent }> = [];
  let frame = 0;
  bus.on("face", ({ event }) => events.push({ frame, event }));
  const pipeline = new CameraPipeline({
    camera: "door",
    source,
    vision: analyzer,
    matcher: () => matcher,
    bus,
    logger: silent,
    onFrame: (_camera, timestamp) => {
      frame = Math.round((timestamp - T0) / 33);
      analyzer.track(frame);
    },
    maxAttemptsPerTrack: 5,
    minAgreeingFrames: 2,
    minFacePx: 1,
    detectEveryN: 1,
    cropFaces: false,
  });
  await pipeline.start();
  await source.drained;
  await pipeline.stop();
  return { events, calls: analyzer.calls };
}

describe("CameraPipeline frame scheduling", () => {
  it("coasts between detections once every track is decided, and no track ends because of it", async () => {
    // Ann stands in view for frames 0–59 (drifting right), then the doorway is empty until frame 99.
    const { events, calls } = await runPipeline(100, (f) =>
      f < 60 ? [{ who: 0, box: [4 + f * 0.2, 8, 20, 20] }] : [],
    );
    const kinds = events.map((e) => `${e.event.type}:${e.event.name}`);
    assert.deepEqual(kinds, ["identified:Ann", "left:Ann"]);
    const identifiedAt = events[0].frame;
    assert.ok(identifiedAt <= 3, `decided by frame 3, was ${identifiedAt}`);
    assert.ok(events[1].frame >= 60, `left only after the face went, at frame ${events[1].frame}`);
    // Once a detection misses the track, detection runs every frame again: six misses end it, as without coasting.
    assert.ok(events[1].frame <= 62 + 6, `left soon after the face went, at frame ${events[1].frame}`);
    // Every frame up to the decision is analysed; afterwards only every third one while Ann is in view.
    const analysed = new Set(calls.map((c) => c.frame));
    for (let f = 0; f <= identifiedAt; f++) assert.ok(analysed.has(f), `frame ${f} analysed`);
    const whileDecided = calls.filter((c) => c.frame > identifiedAt && c.frame < 60).length;
    const decidedFrames = 60 - identifiedAt - 1;
    assert.ok(
      whileDecided <= Math.ceil(decidedFrames / 3),
      `${whileDecided} of ${decidedFrames} frames analysed`,
    );
    assert.ok(whileDecided >= Math.floor(decidedFrames / 3), "still detects every third frame");
    // Decided faces are never embedded again.
    assert.ok(calls.filter((c) => c.frame > identifiedAt).every((c) => c.embedded === 0));
  });

  it("embeds at most two tracked faces per frame, fewest attempts first, and still decides all four", async () => {
    const corners: Box[] = [
      [2, 2, 16, 16],
      [40, 2, 16, 16],
      [2, 28, 16, 16],
      [40, 28, 16, 16],
    ];
    const { events, calls } = await runPipeline(40, (f) =>
      f < 30 ? corners.map((box, who) => ({ who, box: [box[0] + f * 0.1, box[1], 16, 16] as Box })) : [],
    );
    // Frame 0 has no tracks yet: its faces cannot be ranked. From then on two at most.
    assert.equal(calls[0].embedded, 4);
    for (const c of calls.slice(1)) assert.ok(c.embedded <= 2, `frame ${c.frame} embedded ${c.embedded}`);
    const identified = events.filter((e) => e.event.type === "identified").map((e) => e.event.name);
    assert.deepEqual([...identified].sort(), NAMES);
    // Each needs two agreeing attempts: the two left out of frame 1 get theirs on frame 2, so all are decided soon.
    assert.ok(Math.max(...events.filter((e) => e.event.type === "identified").map((e) => e.frame)) <= 6);
    assert.equal(events.filter((e) => e.event.type === "left").length, 4);
    assert.ok(events.filter((e) => e.event.type === "left").every((e) => e.frame >= 30));
  });
});
