/**
 * What the daemon tells the world: the pipeline's decisions and numbers, in the shape every output (MQTT, the
 * web page, a fleet server) carries them. They live below the pipeline and the outputs so that neither has to
 * know the other: the pipeline emits these, each output turns them into its own protocol.
 */

export type FaceEventType = "identified" | "unknown" | "left";

/** One per track decision (MQTT: `<prefix>/<camera>/event`, not retained). */
export interface FaceEvent {
  type: FaceEventType;
  /** The enrolled name for `identified`; null for `unknown` (and for `left` of an unknown face). */
  name: string | null;
  /** Similarity of the best match, 0..1. */
  score: number;
  masked: boolean;
  track_id: string;
  camera: string;
  /** Pixels in the camera frame: left, top, width, height. */
  box: [number, number, number, number];
  first_seen: string;
  timestamp: string;
}

/** Periodic numbers about one camera's pipeline (MQTT: `<prefix>/<camera>/stats`, not retained). */
export interface CameraStats {
  fps: number;
  frames: number;
  faces: number;
  timestamp: string;
  [extra: string]: number | string | boolean | null;
}

/**
 * The recognition model in use, announced after every successful reload (MQTT: `<prefix>/model`, retained).
 * `version` is the model store's version id (null for a plain gallery file), `source` says where names come from.
 */
export interface ModelInfo {
  version: string | null;
  source: "store" | "gallery" | "keras";
  people: string[];
  /** When the version was trained (store), else null. */
  created: string | null;
}
