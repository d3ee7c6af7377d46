import type { Thresholds } from "../recognition/matcher.ts";
import type { RowOutcome } from "./identify-rows.ts";
import { type CurvePoint, countPairs, openSetCurve, type ProbeScore, rate, tarAtFar } from "./metrics.ts";
import type { VisitReport } from "./visits.ts";

export type Condition = "unmasked" | "masked";
export type StrangerSplit = "A" | "B" | "all";

export interface FalseAccepts {
  strangers: number;
  named: number;
  rate: number;
}

export interface ConditionReport {
  condition: Condition;
  probes: number;
  identified: number;
  identificationRate: number;
  misidentified: number;
  misidentificationRate: number;
  rank1: number;
  /** Strangers named, on calibration half A, the reported half B, and all. */
  falseAccepts: Record<StrangerSplit, FalseAccepts>;
  /** Identification rate at 1 % and 0.1 % strangers named, sweeping the margin over the chosen strangers. */
  tarAtFar: { "0.01": number; "0.001": number };
  maskFlag: { rows: number; correct: number; accuracy: number };
  detectionFailures: { probes: number; strangers: number };
  /** Decisions made in each template space (upper = the face was flagged masked). */
  spaces: { full: number; upper: number };
}

export interface Confusion {
  truth: string;
  decided: string;
  count: number;
}

export const STRANGER = "(stranger)";
export const NOBODY = "(nobody)";

const inSplit = (o: RowOutcome, split: StrangerSplit) => split === "all" || o.split === split;

function falseAccepts(strangers: RowOutcome[], split: StrangerSplit): FalseAccepts {
  const s = strangers.filter((o) => inSplit(o, split));
  const named = s.filter((o) => o.name !== null).length;
  return { strangers: s.length, named, rate: rate(named, s.length) };
}

const probeScores = (probes: RowOutcome[]): ProbeScore[] =>
  probes.map((p) => ({ correct: p.candidate === p.identity, score: p.margin }));

export function conditionReport(outcomes: RowOutcome[], condition: Condition, split: StrangerSplit) {
  const rows = outcomes.filter((o) => o.masked === (condition === "masked"));
  const probes = rows.filter((o) => o.role === "probe");
  const strangers = rows.filter((o) => o.role === "unknown");
  const chosen = strangers.filter((o) => inSplit(o, split)).map((o) => o.margin);
  const detected = rows.filter((o) => o.detected);
  const identified = probes.filter((o) => o.name === o.identity).length;
  const misidentified = probes.filter((o) => o.name !== null && o.name !== o.identity).length;
  const flagRight = detected.filter((o) => o.flaggedMasked === o.masked).length;
  const report: ConditionReport = {
    condition,
    probes: probes.length,
    identified,
    identificationRate: rate(identified, probes.length),
    misidentified,
    misidentificationRate: rate(misidentified, probes.length),
    rank1: rate(probes.filter((o) => o.candidate === o.identity).length, probes.length),
    falseAccepts: {
      A: falseAccepts(strangers, "A"),
      B: falseAccepts(strangers, "B"),
      all: falseAccepts(strangers, "all"),
    },
    tarAtFar: {
      "0.01": tarAtFar(probeScores(probes), chosen, 0.01),
      "0.001": tarAtFar(probeScores(probes), chosen, 0.001),
    },
    maskFlag: { rows: detected.length, correct: flagRight, accuracy: rate(flagRight, detected.length) },
    detectionFailures: {
      probes: probes.filter((o) => !o.detected).length,
      strangers: strangers.filter((o) => !o.detected).length,
    },
    spaces: {
      full: detected.filter((o) => o.space === "full").length,
      upper: detected.filter((o) => o.space === "upper").length,
    },
  };
  const curve: CurvePoint[] = openSetCurve(probeScores(probes), chosen);
  return { report, curve };
}

/**
 * Every (truth, decided) pair with its count, most frequent first, correct ones included (the confusion plot shows
 * them as context). Strangers and "nobody named" have their own labels.
 */
export function decisionCounts(
  outcomes: RowOutcome[],
  condition: Condition,
  split: StrangerSplit,
): Confusion[] {
  const pairs: [string, string][] = outcomes
    .filter((o) => o.masked === (condition === "masked") && (o.role === "probe" || inSplit(o, split)))
    .map((o) => [o.role === "probe" ? o.identity : STRANGER, o.name ?? NOBODY]);
  const out: Confusion[] = [];
  for (const [truth, row] of countPairs(pairs))
    for (const [decided, count] of row) out.push({ truth, decided, count });
  return out.sort(
    (a, b) => b.count - a.count || a.truth.localeCompare(b.truth) || a.decided.localeCompare(b.decided),
  );
}

export interface EvalReport {
  manifest: string;
  embedder: string;
  detector: string;
  maskClassifier: string | null;
  /** The masked path's projection (weights/upper-projection.json), null when none. */
  upperProjection: string | null;
  gallerySize: number;
  notEnrolled: string[];
  enrollPhotosRejected: number;
  thresholds: Thresholds;
  calibration: string;
  /** Strangers behind the headline false-accept rate, TAR@FAR and curves. */
  split: StrangerSplit;
  conditions: ConditionReport[];
  /** Thresholds of a visit's aggregate (several faces as one set). */
  setThresholds: Thresholds;
  /** Per-visit identification: several photos of one person as one set, as the daemon decides a visit. */
  visits: VisitReport[];
}
