import type { FaceEvent } from "../events/types.ts";
import type { MatchInput, MatchResult } from "../recognition/matcher.ts";
import { TrackVote, type VoteDecision } from "../recognition/vote.ts";
import type { Track, TrackerUpdate } from "../tracking/index.ts";

/** What the decider needs of a face: its embedding(s) and size. An empty embedding means "not embedded". */
export interface DeciderFace extends MatchInput {
  faceSize: number;
  /** Softmax of the whole-face classifier (recognition.classifier), when one is configured. */
  classProbs?: Float32Array;
}

/** The matcher as the decider sees it; null while nobody is enrolled (every face is then unknown). */
export interface MatchSource {
  match(face: DeciderFace): MatchResult;
}

export interface TrackDeciderOptions {
  camera: string;
  maxAttemptsPerTrack: number;
  minAgreeingFrames: number;
  /** Faces narrower than this are tracked but never voted on: too few pixels to recognise reliably. */
  minFacePx: number;
}

/** A decision or a departure, in frame pixels; `decided` says which track it belongs to for the caller. */
export interface DeciderEvent {
  event: FaceEvent;
  track: Track;
}

interface TrackRecord {
  vote: TrackVote;
  /** Best similarity seen on this track, whatever the name: the score reported with `unknown`. */
  bestScore: number;
  /** The decision event has gone out; `left` must follow when the track ends. */
  announced: VoteDecision | null;
}

/**
 * The vote's score for one attempt. A name scores its similarity; "nobody known" scores the similarity
 * mirrored at the threshold (2·threshold − score), so a face just below the threshold weighs as little as one
 * just above it, and only clear strangers weigh like clear matches. With nobody enrolled it is sure: 1.
 */
function unknownSureness(m: MatchResult | null): number {
  if (m === null) return 1;
  if (m.name !== null) return m.score;
  return Math.min(1, Math.max(0, 2 * m.threshold - m.score));
}

/**
 * Turns tracks and their per-frame matches into events: exactly one `identified`/`unknown` per track, when
 * its vote is decided, and exactly one `left` when a track that was announced ends. A track that ends
 * undecided but had attempts is decided then (its votes so far, else unknown), so every `left` has its
 * decision before it. A track whose faces were all too small produces nothing.
 */
export class TrackDecider {
  readonly #records = new Map<string, TrackRecord>();

  constructor(private readonly options: TrackDeciderOptions) {}

  /**
   * Recognition attempts so far on an undecided track (0 before the first), or null when its faces need no
   * embedding any more (announced, or out of attempts).
   */
  attemptsOf(track: Track): number | null {
    const record = this.#records.get(track.id);
    if (!record) return 0;
    return record.announced || !record.vote.wantsMoreAttempts() ? null : record.vote.attempts;
  }

  /**
   * One frame: `faceOf` gives the analysed face of each track matched on this frame. Returns the events to
   * publish, decisions before departures.
   */
  observe(
    update: TrackerUpdate,
    faceOf: (track: Track) => DeciderFace | undefined,
    matcher: MatchSource | null,
    timestamp: number,
  ): DeciderEvent[] {
    const out: DeciderEvent[] = [];
    for (const track of update.active) {
      if (!track.updated) continue;
      const face = faceOf(track);
      if (!face || face.embedding.length === 0 || face.faceSize < this.options.minFacePx) continue;
      const record = this.#record(track.id);
      if (!record.vote.wantsMoreAttempts()) continue;
      const m = matcher?.match(face) ?? null;
      if (m) record.bestScore = Math.max(record.bestScore, m.score);
      const decision = record.vote.add({
        name: m?.name ?? null,
        score: unknownSureness(m),
        masked: face.masked,
        faceSize: face.faceSize,
      });
      if (decision && !record.announced) {
        record.announced = decision;
        out.push({ event: this.#event(decision.kind, decision, record, track, timestamp), track });
      }
    }
    for (const track of update.ended) out.push(...this.#end(track, timestamp));
    return out;
  }

  /** Ends tracks the tracker gave up all at once (camera stopped or silent). */
  endAll(tracks: readonly Track[], timestamp: number): DeciderEvent[] {
    return tracks.flatMap((t) => this.#end(t, timestamp));
  }

  #end(track: Track, timestamp: number): DeciderEvent[] {
    const record = this.#records.get(track.id);
    this.#records.delete(track.id);
    if (!record || record.vote.attempts === 0) return [];
    const out: DeciderEvent[] = [];
    if (!record.announced) {
      record.announced = record.vote.finish();
      out.push({
        event: this.#event(record.announced.kind, record.announced, record, track, timestamp),
        track,
      });
    }
    out.push({ event: this.#event("left", record.announced, record, track, timestamp), track });
    return out;
  }

  #record(id: string): TrackRecord {
    let record = this.#records.get(id);
    if (!record) {
      record = {
        vote: new TrackVote({
          maxAttempts: this.options.maxAttemptsPerTrack,
          minAgreeing: this.options.minAgreeingFrames,
        }),
        bestScore: 0,
        announced: null,
      };
      this.#records.set(id, record);
    }
    return record;
  }

  #event(
    type: FaceEvent["type"],
    decision: VoteDecision,
    record: TrackRecord,
    track: Track,
    timestamp: number,
  ): FaceEvent {
    const score = decision.kind === "identified" ? decision.score : record.bestScore;
    return {
      type,
      name: decision.name,
      score: Math.round(score * 1000) / 1000,
      masked: decision.masked,
      track_id: track.id,
      camera: this.options.camera,
      box: track.box.map((v) => Math.round(v)) as [number, number, number, number],
      first_seen: new Date(track.firstSeen).toISOString(),
      timestamp: new Date(timestamp).toISOString(),
    };
  }
}
