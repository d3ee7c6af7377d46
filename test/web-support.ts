/**
 * Real parts for the web API tests (not a test file itself): the web room as the daemon builds it — its server,
 * teacher, capture recorder and live view on a real bus — with the real vision worker, a gallery file in a temporary
 * folder, and a real RecognitionState doing the reloads, so "the next visit is named" is checked on the matcher the
 * cameras would use. Captures are made by the real recorder from real photos' best faces.
 */
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FaceEvent } from "../src/events/types.ts";
import { PipelineBus } from "../src/pipeline/bus.ts";
import { RecognitionState } from "../src/pipeline/recognition-state.ts";
import { cropFace } from "../src/pipeline/snapshot.ts";
import type { BestFace } from "../src/pipeline/visit.ts";
import { type Capture, CaptureStore } from "../src/recognition/capture-store.ts";
import { enrollPolicyFor } from "../src/recognition/enroll.ts";
import type { MatchResult } from "../src/recognition/matcher.ts";
import {
  calibrationFor,
  defaultCalibrationPath,
  sameStrangerThresholds,
} from "../src/recognition/recognizer.ts";
import { parseSettings } from "../src/settings/load.ts";
import type { Logger } from "../src/system/logger.ts";
import type { AnalyzedFace } from "../src/vision/analyzer.ts";
import { decodeImage } from "../src/vision/decode.ts";
import { WEIGHTS_DIR } from "../src/vision/factory.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { CaptureRecorder } from "../src/web/capture-recorder.ts";
import { WebOutput } from "../src/web/web-output.ts";
import { memoryLogger } from "./mqtt-support.ts";

export interface WebRig {
  dir: string;
  galleryPath: string;
  bus: PipelineBus;
  vision: VisionClient;
  state: RecognitionState;
  store: CaptureStore;
  web: WebOutput;
  logs: () => string;
  /** A real photo's largest face decided as a visit on camera `door`: the recorder keeps it; resolves the capture. */
  visit(photo: string, name?: string | null, trackId?: string): Promise<Capture>;
  /** What the reloaded matcher says about a photo's largest face (null: nobody enrolled). */
  whoIs(photo: string): Promise<MatchResult | null>;
  /** Reloads the web room asked the daemon for so far. */
  reloads(): number;
  stop(): Promise<void>;
}

export interface RigOptions {
  web?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  loginLimit?: { maxFailures: number; windowMs: number };
  /** Shares one vision worker between rigs (loading the models takes seconds). */
  vision?: VisionClient;
}

async function largestFace(vision: VisionClient, photo: string, withUpper: boolean) {
  const decoded = await decodeImage(readFileSync(photo));
  const { faces } = await vision.analyzeRaw(decoded.image, decoded.scale, { withUpper, maxFaces: 4 });
  if (faces.length === 0) throw new Error(`no face in ${photo}`);
  const face = faces.reduce((a, b) => (b.box[2] > a.box[2] ? b : a));
  return { face, image: decoded.image, scale: decoded.scale };
}

export async function startRig(options: RigOptions = {}): Promise<WebRig> {
  const dir = mkdtempSync(join(tmpdir(), "facegate-web-"));
  const settings = parseSettings(
    {
      gallery: join(dir, "gallery"),
      web: { port: 0, ...options.web },
      cameras: { door: { source: "/dev/video0" } },
    },
    { env: options.env ?? {} },
  );
  const ownVision = !options.vision;
  const vision = options.vision ?? new VisionClient({});
  if (ownVision) await vision.start();
  const bus = new PipelineBus();
  const calibrationPath = defaultCalibrationPath(WEIGHTS_DIR);
  const calibration = calibrationFor(calibrationPath, vision.embedderId);
  const state = new RecognitionState({
    galleryPath: settings.gallery,
    embedderId: vision.embedderId,
    calibrationPath,
  });
  await state.load({ thresholds: {} });
  const store = new CaptureStore(settings.captures.dir);
  const { logger, lines } = memoryLogger("debug");
  const log: Logger = logger;
  const recorder = new CaptureRecorder({
    bus,
    store,
    analyzer: vision,
    embedderId: () => vision.embedderId,
    max: settings.captures.max,
    retentionDays: settings.captures.retention_days,
    logger: log,
  });
  recorder.start();
  let reloads = 0;
  const reload = async () => {
    reloads++;
    return (await state.load({ thresholds: {} })).ok;
  };
  const web = new WebOutput({
    bus,
    web: settings.web,
    cameras: ["door"],
    recorder,
    groupThresholds: () => sameStrangerThresholds(calibration, vision.embedderId),
    logger: log,
    plugins: [],
    loginLimit: options.loginLimit,
    teacher: {
      galleryPath: settings.gallery,
      embedder: () => ({ embedderId: vision.embedderId, dim: vision.embedderDim }),
      analyzer: vision,
      enrollPolicy: () => enrollPolicyFor(calibration),
      captures: store,
      reload,
      modelSource: () => state.model?.source ?? null,
    },
  });
  if (!(await web.start())) throw new Error(`web did not start: ${lines()}`);
  let track = 0;

  return {
    reloads: () => reloads,
    dir,
    galleryPath: settings.gallery,
    bus,
    vision,
    state,
    store,
    web,
    logs: lines,
    async visit(photo, name = null, trackId = undefined) {
      const { face, image } = await largestFace(vision, photo, false);
      const f = face as AnalyzedFace;
      const best: BestFace = {
        face: f,
        box: f.box,
        timestamp: Date.now(),
        quality: f.faceSize,
        crop: cropFace(image, f.box, 0.5),
      };
      const now = new Date();
      const event: FaceEvent = {
        type: name === null ? "unknown" : "identified",
        name,
        score: 0.5,
        masked: f.masked,
        track_id: trackId ?? `door-${++track}`,
        camera: "door",
        box: f.box.map(Math.round) as FaceEvent["box"],
        first_seen: now.toISOString(),
        timestamp: now.toISOString(),
      };
      const saved = once(recorder, "saved") as Promise<[Capture]>;
      bus.emit("face", { event, basis: { faces: 1, best } });
      return (await saved)[0];
    },
    async whoIs(photo) {
      const { face } = await largestFace(vision, photo, false);
      return state.matcher?.match(face) ?? null;
    },
    async stop() {
      await web.stop();
      await recorder.stop();
      state.dispose();
      if (ownVision) await vision.stop();
    },
  };
}
