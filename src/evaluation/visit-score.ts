import type { SplitName } from "./split.ts";
import type { PlannedVisit } from "./visit-plan.ts";

/** A decision the daemon published (from `<prefix>/<camera>/event`), on the clock of the machine that ran it. */
export interface ObservedDecision {
  camera: number;
  type: "identified" | "unknown";
  name: string | null;
  trackId: string;
  /** ms epoch: when the visit's track was first seen, and when the deciding frame arrived. */
  firstSeen: number;
  timestamp: number;
  /** Faces the decision rests on (from the daemon's log), when known. */
  faces?: number;
  /** The track was split off another visit by the daemon's same-person check (from its log). */
  splitOff?: boolean;
  /** The event's face box (frame pixels: left, top, width, height). */
  box: readonly [number, number, number, number];
}

export type VisitOutcome = "right" | "wrong" | "unknown" | "none";

export interface ScoredVisit {
  visit: PlannedVisit;
  /** Enrolled: named right / named somebody else / only `unknown` / no decision at all. Strangers: right = nobody named. */
  outcome: VisitOutcome;
  /** Visits (track ids) the daemon made of it: more than one is a split of one person's visit. */
  tracks: number;
  /**
   * Of those, visits the same-person check split off one person's visit (false splits; the first track of a
   * queued visit, split off the visit before, does not count); the rest: the tracker lost the face and found it.
   */
  splitOff: number;
  /** An `unknown` came first and an `identified` later, on one track. */
  upgraded: boolean;
  /** Seconds from the visit's first frame to its first decision, and to its right name (enrolled, named right). */
  firstDecisionS: number | null;
  nameS: number | null;
  /** Faces behind the right name. */
  nameFaces: number | null;
  /** The visitor's decisions (bystanders' left out), for reading a run's details. */
  decisions: ObservedDecision[];
}

/**
 * A decision whose face box lies farther than this share of the visitor's face width from where the visitor's face
 * is, or is less than half as wide, is about somebody else in the photo: LFW photos often show people beside and
 * behind the subject, whom the daemon rightly tracks and decides on their own.
 */
const BYSTANDER_DISTANCE = 0.5;
/**
 * Which planned visit each decision belongs to: the last visit on its camera that had started when the decision's
 * track was first seen (`t0` is when each camera's first frame arrived, `toleranceS` allows for the clock offset of
 * that frame). A track first seen in the empty doorway after a visit is a late sighting of it; decisions of tracks
 * first seen after the video ended (a camera replaying its file) are dropped, and so are decisions on bystanders
 * (`faceAt(camera, s)` gives where the visitor's face is at a time of the camera's video).
 */
export function scoreVisits(
  visits: readonly PlannedVisit[],
  decisions: readonly ObservedDecision[],
  t0: readonly number[],
  durationS: readonly number[],
  faceAt: (camera: number, tS: number) => { cx: number; cy: number; width: number } | null,
  toleranceS = 0.3,
): ScoredVisit[] {
  const byCamera = new Map<number, PlannedVisit[]>();
  for (const v of visits) byCamera.set(v.camera, [...(byCamera.get(v.camera) ?? []), v]);
  for (const list of byCamera.values()) list.sort((a, b) => a.startS - b.startS);
  const of = new Map<PlannedVisit, ObservedDecision[]>();
  for (const d of decisions) {
    const list = byCamera.get(d.camera);
    if (!list) continue;
    const atS = (d.firstSeen - t0[d.camera]) / 1000;
    if (atS > durationS[d.camera] + toleranceS) continue;
    const face = faceAt(d.camera, (d.timestamp - t0[d.camera]) / 1000);
    if (face && isBystander(d.box, face)) continue;
    let owner: PlannedVisit | undefined;
    for (const v of list) if (v.startS <= atS + toleranceS) owner = v;
    if (owner) of.set(owner, [...(of.get(owner) ?? []), d]);
  }
  return visits.map((visit) => score(visit, of.get(visit) ?? [], t0[visit.camera]));
}

function isBystander(box: ObservedDecision["box"], face: { cx: number; cy: number; width: number }): boolean {
  const dx = box[0] + box[2] / 2 - face.cx;
  const dy = box[1] + box[3] / 2 - face.cy;
  return Math.hypot(dx, dy) > BYSTANDER_DISTANCE * face.width || box[2] < 0.5 * face.width;
}

function score(visit: PlannedVisit, decisions: ObservedDecision[], t0: number): ScoredVisit {
  const sinceStart = (ms: number) => (ms - t0) / 1000 - visit.startS;
  const names = new Set(decisions.filter((d) => d.type === "identified").map((d) => d.name));
  let outcome: VisitOutcome;
  if (visit.kind === "stranger") outcome = names.size > 0 ? "wrong" : decisions.length > 0 ? "right" : "none";
  else if ([...names].some((n) => n !== visit.identity)) outcome = "wrong";
  else if (names.has(visit.identity)) outcome = "right";
  else outcome = decisions.length > 0 ? "unknown" : "none";
  const byTrack = new Map<string, ObservedDecision[]>();
  for (const d of decisions) byTrack.set(d.trackId, [...(byTrack.get(d.trackId) ?? []), d]);
  const upgraded = [...byTrack.values()].some(
    (ds) => ds[0].type === "unknown" && ds.some((d) => d.type === "identified"),
  );
  const first = decisions.reduce<ObservedDecision | null>(
    (a, d) => (!a || d.timestamp < a.timestamp ? d : a),
    null,
  );
  const named = decisions
    .filter((d) => d.type === "identified" && d.name === visit.identity)
    .reduce<ObservedDecision | null>((a, d) => (!a || d.timestamp < a.timestamp ? d : a), null);
  return {
    visit,
    outcome,
    tracks: byTrack.size,
    // the first track of a visit queued behind another is split off that one, rightly
    splitOff: [...byTrack.values()]
      .sort((a, b) => a[0].firstSeen - b[0].firstSeen)
      .slice(1)
      .filter((ds) => ds.some((x) => x.splitOff)).length,
    upgraded,
    firstDecisionS: first ? sinceStart(first.timestamp) : null,
    nameS: visit.kind === "enrolled" && named ? sinceStart(named.timestamp) : null,
    nameFaces: visit.kind === "enrolled" ? (named?.faces ?? null) : null,
    decisions,
  };
}

export interface ConditionSummary {
  visits: number;
  right: number;
  wrong: number;
  unknown: number;
  /** No decision at all (the face was never tracked long enough, or a queued visit was taken for the previous). */
  none: number;
  /** Visits the daemon cut in two or more, those cut by the same-person check, and `unknown` visits later named. */
  split: number;
  splitByFace: number;
  upgraded: number;
  /** Median and 90th percentile of seconds to the right name, and median faces behind it. */
  nameS: { p50: number | null; p90: number | null };
  firstDecisionS: { p50: number | null; p90: number | null };
  nameFaces: { p50: number | null };
}

export interface VisitSummary {
  enrolled: Record<"unmasked" | "masked", ConditionSummary>;
  /** Strangers' visits, per split: `wrong` counts those named. */
  strangers: Record<"unmasked" | "masked", Record<SplitName | "all", ConditionSummary>>;
  /** Queued visits (no gap before them) that got no decision of their own: a newcomer taken for the one before. */
  queued: { visits: number; none: number };
}

export function summarize(scored: readonly ScoredVisit[]): VisitSummary {
  const pick = (f: (s: ScoredVisit) => boolean) => summary(scored.filter(f));
  const cond = (masked: boolean) => (s: ScoredVisit) => s.visit.masked === masked;
  const stranger = (masked: boolean, split: SplitName | "all") =>
    pick(
      (s) => s.visit.kind === "stranger" && cond(masked)(s) && (split === "all" || s.visit.split === split),
    );
  const strangersOf = (masked: boolean) => ({
    A: stranger(masked, "A"),
    B: stranger(masked, "B"),
    all: stranger(masked, "all"),
  });
  const queued = scored.filter((s) => s.visit.queued);
  return {
    enrolled: {
      unmasked: pick((s) => s.visit.kind === "enrolled" && cond(false)(s)),
      masked: pick((s) => s.visit.kind === "enrolled" && cond(true)(s)),
    },
    strangers: { unmasked: strangersOf(false), masked: strangersOf(true) },
    queued: { visits: queued.length, none: queued.filter((s) => s.outcome === "none").length },
  };
}

function summary(list: ScoredVisit[]): ConditionSummary {
  const count = (o: VisitOutcome) => list.filter((s) => s.outcome === o).length;
  const values = (f: (s: ScoredVisit) => number | null) =>
    list
      .map(f)
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
  const nameS = values((s) => s.nameS);
  const first = values((s) => s.firstDecisionS);
  return {
    visits: list.length,
    right: count("right"),
    wrong: count("wrong"),
    unknown: count("unknown"),
    none: count("none"),
    split: list.filter((s) => s.tracks > 1).length,
    splitByFace: list.filter((s) => s.splitOff > 0).length,
    upgraded: list.filter((s) => s.upgraded).length,
    nameS: { p50: quantile(nameS, 0.5), p90: quantile(nameS, 0.9) },
    firstDecisionS: { p50: quantile(first, 0.5), p90: quantile(first, 0.9) },
    nameFaces: {
      p50: quantile(
        values((s) => s.nameFaces),
        0.5,
      ),
    },
  };
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
