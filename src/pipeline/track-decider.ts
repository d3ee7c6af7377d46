import type { FaceEvent } from "../events/types.ts";
import type { SameFaceBounds } from "../recognition/continuity.ts";
import type { MatchResult } from "../recognition/matcher.ts";
import type { SetMatcher } from "../recognition/visit-evidence.ts";
import type { Track, TrackerUpdate } from "../tracking/index.ts";
import type { Box, RgbImage } from "../vision/types.ts";
import { type BestFace, type DeciderFace, type SeenFace, Visit } from "./visit.ts";

export type { DeciderFace } from "./visit.ts";

/**
 * The matcher as the decider sees it; null while nobody is enrolled (every face is then unknown). `matchSet`
 * names a visit's faces as one (their aggregate), against thresholds calibrated for aggregates.
 */
export interface MatchSource extends SetMatcher {
  match(face: DeciderFace): MatchResult;
}

export interface TrackDeciderOptions {
  camera: string;
  /** Faces after which a visit nobody could be named from yet is announced `unknown` (it keeps looking). */
  maxAttemptsPerTrack: number;
  /** Faces a visit may be embedded for in all (never fewer than maxAttemptsPerTrack); then only a look now and then. */
  maxAttemptsPerVisit: number;
  /** Faces a visit needs before a name is announced. */
  minAgreeingFrames: number;
  /** Faces narrower than this are tracked but never decided on: too few pixels to recognise reliably. */
  minFacePx: number;
}

/** What a decision rests on, for a visit's capture and outputs that record visits. */
export interface DecisionBasis {
  /** Faces behind the decision. */
  faces: number;
  /** The visit's best face so far (see faceQuality) and where it was. */
  best: BestFace | null;
}

/** A decision or a departure, in frame pixels, with the track it belongs to. */
export interface DeciderEvent {
  event: FaceEvent;
  track: Track;
  /** On decisions (`identified`, `unknown`): the evidence behind it. */
  basis?: DecisionBasis;
}

/** Gives a track a new identity: the tracker ends it and puts a new track in its place (see IouTracker.split). */
export type SplitTrack = (track: Track) => Track;

/** What else a frame brings to `observe`. */
export interface ObservedFrame {
  /** When two faces pass as the same person; with `split`, a newcomer in a visit's place gets a visit of its own. */
  sameFace?: SameFaceBounds | null;
  split?: SplitTrack;
  /** The frame's pixels, lent for the call: each visit's best face is copied out of it (for captures). */
  image?: RgbImage;
}

/** Faces in a row that look like somebody else before the visit is split: one odd frame is not a new person. */
const SPLIT_AFTER = 2;
/** A decided visit is looked at this often, to notice a different person taking its place. */
const CHECK_EVERY_MS = 500;
/** A visit announced `unknown` keeps looking at this pace (new views, not the same frame again and again). */
const KEEP_LOOKING_EVERY_MS = 200;

/**
 * Turns tracks and their faces into visits and visits into events. A visit is named (`identified`) once it has
 * `minAgreeingFrames` faces, their aggregate names a person against the set threshold, and that person was the
 * best candidate of at least half its faces; after `maxAttemptsPerTrack` faces without a name it is announced
 * `unknown` but keeps looking (at a slower pace, within `maxAttemptsPerVisit`) and becomes `identified` when the
 * evidence comes — never the other way round.
 *
 * Faces that look like somebody else SPLIT_AFTER times in a row split the visit: it gets its `left` (with the box
 * where its own face was), and the newcomer a visit of its own on the same track under a new track id, starting
 * from those faces. (Waiting for the newcomer's decision, to take it back silently when it named the visit's
 * person, changed nothing measurable: such newcomers are nearly always taken for the person already, being close
 * to them in the gallery.) Every `left` has a decision before it; a track whose faces were all too small produces
 * nothing.
 */
export class TrackDecider {
  /** Keyed by the tracker's current id of the visit's track. */
  readonly #visits = new Map<string, Visit>();

  readonly #maxAttemptsPerVisit: number;

  constructor(private readonly options: TrackDeciderOptions) {
    // a visit's budget never ends before its first decision is due
    this.#maxAttemptsPerVisit = Math.max(options.maxAttemptsPerVisit, options.maxAttemptsPerTrack);
  }

  /**
   * How many faces the track's visit (or its newcomer) has used, 0 before the first, or null when no face of it is
   * wanted on the frame at `timestamp`: a named visit only for a look now and then, an unknown one at a slower
   * pace, a visit at the end of its budget like a named one.
   */
  attemptsOf(track: Track, timestamp: number): number | null {
    const visit = this.#visits.get(track.id);
    if (!visit) return 0;
    // a possible newcomer wants its next face at once: it settles whether the person changed
    if (visit.newcomer) return visit.newcomer.faces;
    const since = timestamp - visit.lastEmbeddedAt;
    if (this.#settledVisit(visit)) return since >= CHECK_EVERY_MS ? visit.faces : null;
    if (visit.announced === "unknown") return since >= KEEP_LOOKING_EVERY_MS ? visit.faces : null;
    return visit.faces;
  }

  /** Whether the track's visit is named (or out of budget) and needs its faces only for a look now and then. */
  settled(track: Track): boolean {
    const visit = this.#visits.get(track.id);
    return visit !== undefined && visit.newcomer === null && this.#settledVisit(visit);
  }

  /** Named, or at the end of its budget: its faces are wanted only for a look now and then. */
  #settledVisit(visit: Visit): boolean {
    return visit.announced === "identified" || visit.faces >= this.#maxAttemptsPerVisit;
  }

  /**
   * One frame: `faceOf` gives the analysed face of each track matched on this frame. Returns the events to
   * publish, in order.
   */
  observe(
    update: TrackerUpdate,
    faceOf: (track: Track) => DeciderFace | undefined,
    matcher: MatchSource | null,
    timestamp: number,
    frame: ObservedFrame = {},
  ): DeciderEvent[] {
    const { sameFace = null, split, image } = frame;
    const out: DeciderEvent[] = [];
    for (const track of update.active) {
      if (!track.updated) continue;
      const face = faceOf(track);
      if (!face || face.embedding.length === 0 || face.faceSize < this.options.minFacePx) continue;
      const seen: SeenFace = { face, match: matcher?.match(face) ?? null, box: track.box, timestamp, image };
      out.push(...this.#see(track, seen, matcher, split ? sameFace : null, split));
    }
    for (const track of update.ended) out.push(...this.#end(track, timestamp));
    return out;
  }

  /** Ends tracks the tracker gave up all at once (camera stopped or silent). */
  endAll(tracks: readonly Track[], timestamp: number): DeciderEvent[] {
    return tracks.flatMap((t) => this.#end(t, timestamp));
  }

  #see(
    track: Track,
    seen: SeenFace,
    matcher: MatchSource | null,
    sameFace: SameFaceBounds | null,
    split: SplitTrack | undefined,
  ): DeciderEvent[] {
    let visit = this.#visits.get(track.id);
    if (!visit) {
      visit = new Visit(track.id, seen.timestamp);
      this.#visits.set(track.id, visit);
    }
    const { face, match, timestamp } = seen;
    const newcomer = visit.newcomer;
    if (!newcomer) {
      visit.lastEmbeddedAt = timestamp;
      if (visit.looksLikeSomebodyElse(face, match, sameFace)) {
        visit.newcomer = new Visit(track.id, timestamp, true);
        visit.newcomer.lastEmbeddedAt = timestamp;
        visit.newcomer.add(seen);
        return [];
      }
      visit.add(seen);
      const decided = this.#decide(visit, track, matcher, timestamp);
      return decided ? [decided] : [];
    }
    newcomer.lastEmbeddedAt = timestamp;
    if (!visit.looksLikeSomebodyElse(face, match, sameFace)) {
      // a passing glitch: the odd faces count as the visit's own
      visit.takeBack();
      visit.add(seen);
      const decided = this.#decide(visit, track, matcher, timestamp);
      return decided ? [decided] : [];
    }
    newcomer.add(seen);
    if (newcomer.faces < SPLIT_AFTER || !split) return [];
    // somebody else: the visit ends where its own face was last; the newcomer goes on under a track id of its own
    visit.newcomer = null;
    newcomer.stopKeepingFaces();
    const out = this.#close(visit, track, timestamp);
    const next = split(track);
    newcomer.id = next.id;
    this.#visits.delete(track.id);
    this.#visits.set(next.id, newcomer);
    const decided = this.#decide(newcomer, next, matcher, timestamp);
    if (decided) out.push(decided);
    return out;
  }

  /** The event this face brings, if any: a first decision, or an `unknown` visit becoming `identified`. */
  #decide(visit: Visit, track: Track, matcher: MatchSource | null, timestamp: number): DeciderEvent | null {
    if (visit.announced === "identified") return null;
    const { minAgreeingFrames, maxAttemptsPerTrack } = this.options;
    const m = matcher ? visit.evidence.verdict(matcher, minAgreeingFrames) : null;
    if (m?.name) {
      visit.announced = "identified";
      visit.name = m.name;
      visit.score = m.score;
      return this.#decision(visit, track, timestamp);
    }
    // With nobody enrolled there is nobody to wait for.
    const enough = matcher ? maxAttemptsPerTrack : minAgreeingFrames;
    if (visit.announced === null && visit.faces >= enough) {
      visit.announced = "unknown";
      return this.#decision(visit, track, timestamp);
    }
    return null;
  }

  /** The track ended: its visit is decided if it was not, then leaves. */
  #end(track: Track, timestamp: number): DeciderEvent[] {
    const visit = this.#visits.get(track.id);
    this.#visits.delete(track.id);
    if (!visit) return [];
    // a newcomer of fewer than SPLIT_AFTER faces was too short to tell: it is forgotten
    visit.newcomer = null;
    return this.#close(visit, track, timestamp);
  }

  /** A visit's decision if it had none yet (`unknown`), then its `left`, at the box where its face was last. */
  #close(visit: Visit, track: Track, timestamp: number): DeciderEvent[] {
    if (visit.faces === 0) return [];
    const box = visit.lastBox ?? track.box;
    const out: DeciderEvent[] = [];
    if (!visit.announced) {
      visit.announced = "unknown";
      out.push(this.#decision(visit, track, timestamp, box));
    }
    out.push({ event: this.#event("left", visit, timestamp, box), track });
    return out;
  }

  #decision(visit: Visit, track: Track, timestamp: number, box: Box = track.box): DeciderEvent {
    const type = visit.announced ?? "unknown";
    return {
      event: this.#event(type, visit, timestamp, box),
      track,
      basis: { faces: visit.faces, best: visit.best },
    };
  }

  #event(type: FaceEvent["type"], visit: Visit, timestamp: number, box: Box): FaceEvent {
    const score = visit.name !== null ? visit.score : visit.evidence.bestScore;
    return {
      type,
      name: visit.name,
      score: Math.round(score * 1000) / 1000,
      masked: visit.evidence.masked,
      track_id: visit.id,
      camera: this.options.camera,
      box: box.map((v) => Math.round(v)) as [number, number, number, number],
      first_seen: new Date(visit.firstSeen).toISOString(),
      timestamp: new Date(timestamp).toISOString(),
    };
  }
}
