/**
 * Identity of a track by vote over several recognition attempts: one frame can be blurred, turned or half
 * masked, a few agreeing frames are far more reliable. Bigger faces and surer matches weigh more.
 */

/** One recognition attempt on one frame of a track. */
export interface VoteObservation {
  /** Best gallery match above the recognition threshold, or null (nobody known). */
  name: string | null;
  /** Match confidence 0..1 (for `null`: how sure the face is nobody known; out-of-range values are clamped). */
  score: number;
  /** The face wore a mask on this frame. */
  masked: boolean;
  /** Face size in pixels (e.g. the box's shorter side). */
  faceSize: number;
}

export interface VoteDecision {
  kind: "identified" | "unknown";
  /** The identified name; null for unknown. */
  name: string | null;
  /** Mean score of the observations that voted for the outcome (0 when none did). */
  score: number;
  /** Most of the observations behind the outcome were masked. */
  masked: boolean;
  /** Observations that voted for the outcome, and attempts used in all. */
  agreeing: number;
  attempts: number;
}

export interface VoteOptions {
  /** Recognition attempts per track at most. Default 5. */
  maxAttempts?: number;
  /** Observations that must name the same person before that name is decided. Default 2. */
  minAgreeing?: number;
}

interface Tally {
  count: number;
  weight: number;
  scoreSum: number;
  maskedCount: number;
}

/** Weights closer than this are a tie: float noise must not pick a winner. */
const TIE_EPSILON = 1e-9;

/**
 * `add()` each attempt; a name is decided as soon as it has `minAgreeing` votes and strictly the largest weight
 * (face size × score) of all candidates, "nobody known" included. A tie decides nothing. Once the attempts are used
 * up (or no name can reach `minAgreeing` any more) the decision is `unknown`.
 */
export class TrackVote {
  readonly #maxAttempts: number;
  readonly #minAgreeing: number;
  /** Keyed by name; `null` is the "nobody known" candidate. */
  readonly #tallies = new Map<string | null, Tally>();
  #attempts = 0;
  #decided: VoteDecision | null = null;

  constructor(options: VoteOptions = {}) {
    this.#maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 5));
    this.#minAgreeing = Math.max(1, Math.min(this.#maxAttempts, Math.floor(options.minAgreeing ?? 2)));
  }

  /** The decision, once there is one; it never changes afterwards. */
  get decided(): VoteDecision | null {
    return this.#decided;
  }

  get attempts(): number {
    return this.#attempts;
  }

  /** True while undecided and attempts remain: the pipeline should try recognition on this track's next face. */
  wantsMoreAttempts(): boolean {
    return this.#decided === null && this.#attempts < this.#maxAttempts;
  }

  /** Counts one attempt; returns the decision if this attempt settled it (or an earlier one did), else null. */
  add(observation: VoteObservation): VoteDecision | null {
    if (this.#decided) return this.#decided;
    this.#attempts++;
    const score = clamp01(observation.score);
    const size = Number.isFinite(observation.faceSize) && observation.faceSize > 0 ? observation.faceSize : 0;
    const tally = this.#tallies.get(observation.name) ?? { count: 0, weight: 0, scoreSum: 0, maskedCount: 0 };
    tally.count++;
    tally.weight += size * score;
    tally.scoreSum += score;
    if (observation.masked) tally.maskedCount++;
    this.#tallies.set(observation.name, tally);

    const leader = this.#leader();
    if (
      leader !== undefined &&
      leader !== null &&
      (this.#tallies.get(leader)?.count ?? 0) >= this.#minAgreeing
    ) {
      this.#decided = this.#decision("identified", leader);
    } else if (this.#attempts >= this.#maxAttempts || !this.#aNameCanStillWin()) {
      this.#decided = this.#decision("unknown", null);
    }
    return this.#decided;
  }

  /** Decides now (the track ended before its attempts were used): the decision so far, else unknown. */
  finish(): VoteDecision {
    this.#decided ??= this.#decision("unknown", null);
    return this.#decided;
  }

  /** The candidate with strictly the largest weight; undefined on a tie or with no votes. */
  #leader(): string | null | undefined {
    let best: string | null | undefined;
    let bestWeight = -1;
    let tie = false;
    for (const [name, tally] of this.#tallies) {
      if (tally.weight > bestWeight + TIE_EPSILON) {
        best = name;
        bestWeight = tally.weight;
        tie = false;
      } else if (Math.abs(tally.weight - bestWeight) <= TIE_EPSILON) {
        tie = true;
      }
    }
    return tie ? undefined : best;
  }

  /** Whether some name could still collect `minAgreeing` votes with the attempts left. */
  #aNameCanStillWin(): boolean {
    const left = this.#maxAttempts - this.#attempts;
    let bestNamed = 0;
    for (const [name, tally] of this.#tallies)
      if (name !== null) bestNamed = Math.max(bestNamed, tally.count);
    return bestNamed + left >= this.#minAgreeing;
  }

  #decision(kind: VoteDecision["kind"], name: string | null): VoteDecision {
    // for unknown, the masked flag and score come from the "nobody known" votes, or from all votes if there are none
    let tally = this.#tallies.get(name);
    if (!tally && kind === "unknown") {
      tally = { count: 0, weight: 0, scoreSum: 0, maskedCount: 0 };
      for (const t of this.#tallies.values()) {
        tally.count += t.count;
        tally.maskedCount += t.maskedCount;
      }
      return {
        kind,
        name,
        score: 0,
        masked: tally.maskedCount * 2 > tally.count,
        agreeing: 0,
        attempts: this.#attempts,
      };
    }
    const count = tally?.count ?? 0;
    return {
      kind,
      name,
      score: count ? (tally?.scoreSum ?? 0) / count : 0,
      masked: count ? (tally?.maskedCount ?? 0) * 2 > count : false,
      agreeing: count,
      attempts: this.#attempts,
    };
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
