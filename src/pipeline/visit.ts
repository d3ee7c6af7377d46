import { AppearanceHistory, type SameFaceBounds } from "../recognition/continuity.ts";
import type { MatchInput, MatchResult } from "../recognition/matcher.ts";
import { VisitEvidence } from "../recognition/visit-evidence.ts";
import type { Box, RgbImage } from "../vision/types.ts";
import { cropFace } from "./snapshot.ts";

/** What the decider needs of a face: its embedding(s) and size. An empty embedding means "not embedded". */
export interface DeciderFace extends MatchInput {
  faceSize: number;
  /** The detector's confidence and the face's sharpness (vision/quality.ts), when known: rank a visit's faces. */
  detectorScore?: number;
  sharpness?: number;
  /** Softmax of the whole-face classifier (recognition.classifier), when one is configured. */
  classProbs?: Float32Array;
}

/** The face of a visit that showed it best so far, for captures of the visit. */
export interface BestFace {
  face: DeciderFace;
  box: Box;
  timestamp: number;
  /** See faceQuality. */
  quality: number;
  /** The face with a margin, copied out of its frame; only when the decider keeps crops (captures on). */
  crop?: RgbImage;
}

/** Share of the face box added on each side of a capture's crop: enough context to find the face in it again. */
const CAPTURE_MARGIN = 0.5;
/** Sharpness (vision/quality.ts) from which a face counts as fully sharp; enrollment refuses below 25. */
const SHARP = 50;

/**
 * Bigger, surer and sharper faces make better captures (and better templates when a person assigns them). Faces
 * without a detector score or sharpness are ranked by size.
 */
export function faceQuality(face: DeciderFace): number {
  return face.faceSize * (face.detectorScore ?? 1) * Math.min(1, (face.sharpness ?? SHARP) / SHARP);
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
  /** The frame it is in, lent for this call only: a crop is copied out of it when the face is the visit's best. */
  image?: RgbImage;
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
    const { face, match, box, timestamp, image } = seen;
    this.evidence.add({ ...face, weight: 1 }, match);
    this.history.add(face);
    const quality = faceQuality(face);
    if (!this.best || quality > this.best.quality) {
      const crop = image ? cropFace(image, box, CAPTURE_MARGIN) : undefined;
      this.best = { face, box, timestamp, quality, crop };
    }
    this.lastBox = box;
    // the frame is only lent: a newcomer's faces are kept without it (their crop, if best, is made now)
    this.#seen?.push({ ...seen, image: undefined });
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
    // its faces were taken back without their frames: its best crop comes along when it beats the visit's own
    if (newcomer.best && (!this.best || newcomer.best.quality >= this.best.quality))
      this.best = newcomer.best;
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
