import { AppearanceHistory, type SameFaceBounds } from "../recognition/continuity.ts";
import type { MatchInput, MatchResult } from "../recognition/matcher.ts";
import { VisitEvidence } from "../recognition/visit-evidence.ts";
import type { Box } from "../vision/types.ts";

/** What the decider needs of a face: its embedding(s) and size. An empty embedding means "not embedded". */
export interface DeciderFace extends MatchInput {
  faceSize: number;
  /** Softmax of the whole-face classifier (recognition.classifier), when one is configured. */
  classProbs?: Float32Array;
}

/** The face of a visit that showed it best so far (largest), for snapshots and captures of the visit. */
export interface BestFace {
  face: DeciderFace;
  box: Box;
  timestamp: number;
}

/**
 * A face whose match names this person, or gives them as best candidate this close under the threshold, is taken
 * for the same person even when it resembles none of the visit's earlier faces (a new angle, a mask put on).
 */
const SAME_CANDIDATE_MARGIN = 0.1;

/** A face as a visit took it in: with its match, where it was and when. */
export interface SeenFace {
  face: DeciderFace;
  match: MatchResult | null;
  box: Box;
  timestamp: number;
}

/** One person's visit in front of a camera: the evidence gathered on its faces, and what was announced. */
export class Visit {
  readonly evidence = new VisitEvidence();
  readonly history = new AppearanceHistory();
  best: BestFace | null = null;
  /** Box of the latest face added. */
  lastBox: Box | null = null;
  /** When the latest face was embedded: paces the visit's further embeddings. */
  lastEmbeddedAt = Number.NEGATIVE_INFINITY;
  announced: "identified" | "unknown" | null = null;
  name: string | null = null;
  /** The set's similarity to the announced person. */
  score = 0;
  /**
   * Faces that looked like somebody else, held as a visit of their own until SPLIT_AFTER of them in a row split the
   * visit (see TrackDecider); null while the visit's own person is in view.
   */
  newcomer: Visit | null = null;
  /** A newcomer keeps its faces, so that they can join the visit it came from if they were a passing glitch. */
  #seen: SeenFace[] | null;

  constructor(
    /** The visit's id in events (its track's id when it began). */
    public id: string,
    /** ms epoch of its first face. */
    public firstSeen: number,
    keepFaces = false,
  ) {
    this.#seen = keepFaces ? [] : null;
  }

  /** Faces added to the evidence. */
  get faces(): number {
    return this.evidence.faces;
  }

  add(seen: SeenFace): void {
    const { face, match, box, timestamp } = seen;
    this.evidence.add({ ...face, weight: 1 }, match);
    this.history.add(face);
    if (!this.best || face.faceSize > this.best.face.faceSize) this.best = { face, box, timestamp };
    this.lastBox = box;
    this.#seen?.push(seen);
  }

  /** A newcomer that became a visit of its own no longer keeps its faces. */
  stopKeepingFaces(): void {
    this.#seen = null;
  }

  /** Takes in the newcomer's faces: they were this visit's person after all. */
  takeBack(): void {
    const newcomer = this.newcomer;
    if (!newcomer) return;
    for (const seen of newcomer.#seen ?? []) this.add(seen);
    this.lastEmbeddedAt = Math.max(this.lastEmbeddedAt, newcomer.lastEmbeddedAt);
    this.newcomer = null;
  }

  /**
   * Whether a new face shows somebody else: it names another person than the one announced, or it resembles
   * none of the visit's faces and is not even close to the visit's person in the gallery. Without bounds (no
   * calibration for this embedder) a visit is never split.
   */
  looksLikeSomebodyElse(
    face: DeciderFace,
    match: MatchResult | null,
    bounds: SameFaceBounds | null,
  ): boolean {
    if (!bounds || this.faces === 0) return false;
    if (match?.name && this.name && match.name !== this.name) return true;
    if (this.history.resembles(face, bounds)) return false;
    const person = this.name ?? this.evidence.leadingCandidate;
    const close =
      person !== null &&
      match?.candidate === person &&
      match.score >= match.threshold - SAME_CANDIDATE_MARGIN;
    return !close;
  }
}
