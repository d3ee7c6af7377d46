import type { Box, Detection } from "../vision/types.ts";

/** One face followed across frames. The tracker owns and updates it; treat it as read-only. */
export interface Track {
  /** Unique per camera, e.g. "door-17". */
  readonly id: string;
  readonly camera: string;
  /** Box of the latest matched detection (image pixels). */
  readonly box: Box;
  /** The latest matched detection (box, score, landmarks): what to crop and align for recognition. */
  readonly detection: Detection;
  /** ms epoch of the first and the latest matched detection. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Matched detections in total. */
  readonly hits: number;
  /** Consecutive updates without a matched detection. */
  readonly misses: number;
  /** Reached `minHits`: reported to the pipeline from then on. */
  readonly confirmed: boolean;
  /** True when the latest update matched a detection, i.e. `detection` is from the current frame. */
  readonly updated: boolean;
  /** Velocity of the box centre in px/s (constant-velocity model). */
  readonly velocity: readonly [vx: number, vy: number];
  /** Where the box is expected at `timestamp` (ms epoch), by constant velocity from the latest match. */
  predict(timestamp: number): Box;
}

/** Share of a new velocity measurement in the smoothed velocity: detections jitter, faces move smoothly. */
const VELOCITY_SMOOTHING = 0.5;

/** The tracker's mutable side of a Track. */
export class TrackState implements Track {
  box: Box;
  detection: Detection;
  lastSeen: number;
  hits = 1;
  misses = 0;
  confirmed = false;
  updated = true;
  velocity: [number, number] = [0, 0];
  #hasVelocity = false;

  constructor(
    readonly id: string,
    readonly camera: string,
    detection: Detection,
    readonly firstSeen: number,
  ) {
    this.box = detection.box;
    this.detection = detection;
    this.lastSeen = firstSeen;
  }

  /** A confirmed track with another id that carries on from this one's latest match (see IouTracker.split). */
  successor(id: string): TrackState {
    const next = new TrackState(id, this.camera, this.detection, this.lastSeen);
    next.hits = this.hits;
    next.misses = this.misses;
    next.confirmed = true;
    next.updated = this.updated;
    next.velocity = [...this.velocity];
    next.#hasVelocity = this.#hasVelocity;
    return next;
  }

  predict(timestamp: number): Box {
    const dt = Math.max(0, timestamp - this.lastSeen) / 1000;
    const [x, y, w, h] = this.box;
    return [x + this.velocity[0] * dt, y + this.velocity[1] * dt, w, h];
  }

  match(detection: Detection, timestamp: number): void {
    const dt = (timestamp - this.lastSeen) / 1000;
    if (dt > 0) {
      const vx = (detection.box[0] + detection.box[2] / 2 - (this.box[0] + this.box[2] / 2)) / dt;
      const vy = (detection.box[1] + detection.box[3] / 2 - (this.box[1] + this.box[3] / 2)) / dt;
      const a = this.#hasVelocity ? VELOCITY_SMOOTHING : 1;
      this.velocity = [a * vx + (1 - a) * this.velocity[0], a * vy + (1 - a) * this.velocity[1]];
      this.#hasVelocity = true;
    }
    this.box = detection.box;
    this.detection = detection;
    this.lastSeen = timestamp;
    this.hits++;
    this.misses = 0;
    this.updated = true;
  }

  miss(): void {
    this.misses++;
    this.updated = false;
  }
}
