import { EventEmitter } from "node:events";
import type { CaptureStatus } from "../capture/types.ts";
import type { CameraStats, FaceEvent, ModelInfo } from "../events/types.ts";
import type { Box, RgbImage } from "../vision/types.ts";
import type { DecisionBasis } from "./track-decider.ts";

/** A decided identity or a track that left, with the face's pixels when snapshots are wanted. */
export interface FaceEventMessage {
  event: FaceEvent;
  /** Crop of the face (with a margin) from the deciding frame; only on decisions, only when snapshots are on. */
  crop?: RgbImage;
  /**
   * On decisions: what the decision rests on — how many faces and the visit's best face (its embeddings, box and,
   * while captures are on, its crop) — for outputs that keep a record of each visit.
   */
  basis?: DecisionBasis;
}

/** One processed camera frame, for live views. Its pixels are lent: a listener copies what it keeps, at once. */
export interface FrameMessage {
  camera: string;
  image: RgbImage;
  timestamp: number;
  /** Live tracks and where they are now (predicted while detection pauses). */
  tracks: { track_id: string; box: Box }[];
}

/** A reload (SIGHUP, MQTT command, changed gallery file or model store pointer) and how it went. */
export type ReloadOutcome =
  | { ok: true; people: readonly string[]; trigger: string; model: ModelInfo }
  | { ok: false; error: string; trigger: string };

export interface PipelineEvents {
  face: [FaceEventMessage];
  stats: [camera: string, stats: CameraStats];
  camera_status: [CaptureStatus];
  reload: [ReloadOutcome];
  /** Emitted only while someone listens (the web page's live view). */
  frame: [FrameMessage];
}

/**
 * The daemon's one-way event bus: camera pipelines and the reload logic emit, extensions (the MQTT bridge)
 * listen. Pipelines never know who listens, so data flows frames in → events out, and nothing reaches back.
 */
export class PipelineBus extends EventEmitter<PipelineEvents> {}
