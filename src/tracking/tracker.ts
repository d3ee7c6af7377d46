import type { Detection } from "../vision/types.ts";
import { areaRatio, iou, relativeCentreDistance } from "./box-geometry.ts";
import { type Track, TrackState } from "./track.ts";

export interface TrackerOptions {
  /** Camera name; track ids are "<camera>-<n>". */
  camera: string;
  /** Minimum IoU between a track's predicted box and a detection to match them. Default 0.3. */
  iouThreshold?: number;
  /**
   * When the IoU is too low (a fast face at a low detection rate), a detection whose centre is within this many
   * box sides of the prediction, and of similar size, still matches (ranked after every IoU match). Default 0.6.
   */
  maxCentreDistance?: number;
  /** A track ends after more than this many consecutive updates without a match. Default 5. */
  maxMissed?: number;
  /** …or once unseen for longer than this. Default 2 s. */
  maxMissedS?: number;
  /** Matched detections a new track needs before it is confirmed (reported). Default 2. */
  minHits?: number;
  /** First track number, e.g. to keep ids unique across daemon restarts. Default 1. */
  firstId?: number;
}

export interface TrackerUpdate {
  /** Confirmed tracks still alive (matched this update or coasting on their prediction). */
  active: Track[];
  /** Tracks that became confirmed in this update (also in `active`). */
  started: Track[];
  /** Confirmed tracks that ended in this update; never seen again. */
  ended: Track[];
  /** Live tracks not yet confirmed; not for recognition, but they do mean "something is there". */
  tentative: Track[];
}

/**
 * Follows faces across frames by IoU with a constant-velocity prediction, greedy assignment (few faces per frame:
 * the Hungarian method buys nothing here). Tracks that never reach `minHits` end silently, so a one-frame false
 * detection never reaches the pipeline.
 */
export class IouTracker {
  readonly #iouThreshold: number;
  readonly #maxCentreDistance: number;
  readonly #maxMissed: number;
  readonly #maxMissedMs: number;
  readonly #minHits: number;
  #nextId: number;
  #tracks: TrackState[] = [];

  constructor(private readonly options: TrackerOptions) {
    this.#iouThreshold = options.iouThreshold ?? 0.3;
    this.#maxCentreDistance = options.maxCentreDistance ?? 0.6;
    this.#maxMissed = options.maxMissed ?? 5;
    this.#maxMissedMs = (options.maxMissedS ?? 2) * 1000;
    this.#minHits = Math.max(1, options.minHits ?? 2);
    this.#nextId = options.firstId ?? 1;
  }

  /** Live tracks, confirmed or not. */
  get size(): number {
    return this.#tracks.length;
  }

  /** Confirmed live tracks. */
  get active(): Track[] {
    return this.#tracks.filter((t) => t.confirmed);
  }

  /** Live tracks not yet confirmed. */
  get tentative(): Track[] {
    return this.#tracks.filter((t) => !t.confirmed);
  }

  /** Feeds the detections of one frame (`timestamp` in ms, non-decreasing). */
  update(detections: readonly Detection[], timestamp: number): TrackerUpdate {
    const matchedTrack = new Uint8Array(this.#tracks.length);
    const matchedDetection = new Uint8Array(detections.length);
    for (const [t, d] of this.#assign(detections, timestamp)) {
      matchedTrack[t] = 1;
      matchedDetection[d] = 1;
      this.#tracks[t].match(detections[d], timestamp);
    }

    const started: Track[] = [];
    const ended: Track[] = [];
    const alive: TrackState[] = [];
    for (let t = 0; t < this.#tracks.length; t++) {
      const track = this.#tracks[t];
      if (!matchedTrack[t]) {
        track.miss();
        if (track.misses > this.#maxMissed || timestamp - track.lastSeen > this.#maxMissedMs) {
          if (track.confirmed) ended.push(track);
          continue;
        }
      } else if (!track.confirmed && track.hits >= this.#minHits) {
        track.confirmed = true;
        started.push(track);
      }
      alive.push(track);
    }
    for (let d = 0; d < detections.length; d++) {
      if (matchedDetection[d]) continue;
      const track = new TrackState(
        `${this.options.camera}-${this.#nextId++}`,
        this.options.camera,
        detections[d],
        timestamp,
      );
      if (this.#minHits <= 1) {
        track.confirmed = true;
        started.push(track);
      }
      alive.push(track);
    }
    this.#tracks = alive;
    return {
      active: alive.filter((t) => t.confirmed),
      started,
      ended,
      tentative: alive.filter((t) => !t.confirmed),
    };
  }

  /**
   * Ends a live track and puts a new confirmed one with a new id in its place: same box, detection and motion,
   * first seen at its latest match. For a different person who stepped into the spot the track's face held (only
   * their faces can tell, see recognition/continuity.ts); the ended track is not reported in any later update.
   */
  split(id: string): Track {
    const i = this.#tracks.findIndex((t) => t.id === id);
    if (i < 0) throw new Error(`no live track ${id} to split`);
    const next = this.#tracks[i].successor(`${this.options.camera}-${this.#nextId++}`);
    this.#tracks[i] = next;
    return next;
  }

  /** Ends every live track (camera stopped); returns the confirmed ones. */
  flush(): Track[] {
    const ended = this.#tracks.filter((t) => t.confirmed);
    this.#tracks = [];
    return ended;
  }

  /** Greedy matching: best pairs first, IoU matches before centre-distance matches. Returns [track, detection]. */
  #assign(detections: readonly Detection[], timestamp: number): Array<[number, number]> {
    const candidates: Array<{ score: number; t: number; d: number }> = [];
    for (let t = 0; t < this.#tracks.length; t++) {
      const predicted = this.#tracks[t].predict(timestamp);
      for (let d = 0; d < detections.length; d++) {
        const box = detections[d].box;
        const overlap = iou(predicted, box);
        if (overlap >= this.#iouThreshold) {
          candidates.push({ score: 1 + overlap, t, d });
          continue;
        }
        const distance = relativeCentreDistance(predicted, box);
        if (distance <= this.#maxCentreDistance && areaRatio(predicted, box) <= 2.25) {
          candidates.push({ score: 1 - distance / (this.#maxCentreDistance + 1e-9), t, d });
        }
      }
    }
    candidates.sort((a, b) => b.score - a.score);
    const usedTracks = new Set<number>();
    const usedDetections = new Set<number>();
    const pairs: Array<[number, number]> = [];
    for (const { t, d } of candidates) {
      if (usedTracks.has(t) || usedDetections.has(d)) continue;
      usedTracks.add(t);
      usedDetections.add(d);
      pairs.push([t, d]);
    }
    return pairs;
  }
}
