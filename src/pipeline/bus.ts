import { EventEmitter } from "node:events";
import type { CaptureStatus } from "../capture/types.ts";
import type { CameraStats, FaceEvent, ModelInfo } from "../events/types.ts";
import type { RgbImage } from "../vision/types.ts";

/** A decided identity or a track that left, with the face's pixels when snapshots are wanted. */
export interface FaceEventMessage {
  event: FaceEvent;
  /** Crop of the face (with a margin) from the deciding frame; only on decisions, only when snapshots are on. */
  crop?: RgbImage;
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
}

/**
 * The daemon's one-way event bus: camera pipelines and the reload logic emit, extensions (the MQTT bridge)
 * listen. Pipelines never know who listens, so data flows frames in → events out, and nothing reaches back.
 */
export class PipelineBus extends EventEmitter<PipelineEvents> {}
