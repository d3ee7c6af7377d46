import { TrackVote } from "../recognition/vote.ts";
import type { RowOutcome } from "./identify-rows.ts";
import type { Condition } from "./report.ts";

export interface VisitReport {
  condition: Condition;
  framesPerVisit: number;
  minAgreeing: number;
  visits: number;
  /** Share of visits decided as the right person. */
  identificationRate: number;
  /** Share of visits decided as somebody else. */
  misidentificationRate: number;
}

/**
 * The daemon decides a visit from several frames with the same vote (src/recognition/vote.ts). Here a visit of
 * an enrolled person is `framesPerVisit` of their different probe photos of one condition (sorted by path, taken
 * in consecutive groups), each photo judged exactly as `identify` judges it. Strangers of the development set
 * have one photo each, so their per-visit false-accept rate equals the single-photo one (repeating a photo
 * repeats its decision) and is not recomputed here.
 */
export function visitReport(
  outcomes: RowOutcome[],
  condition: Condition,
  framesPerVisit = 3,
  minAgreeing = 2,
): VisitReport {
  const byPerson = new Map<string, RowOutcome[]>();
  for (const o of outcomes) {
    if (o.role !== "probe" || o.masked !== (condition === "masked")) continue;
    byPerson.set(o.identity, [...(byPerson.get(o.identity) ?? []), o]);
  }
  let visits = 0;
  let right = 0;
  let wrong = 0;
  for (const [identity, photos] of byPerson) {
    photos.sort((a, b) => a.path.localeCompare(b.path));
    for (let i = 0; i + framesPerVisit <= photos.length; i += framesPerVisit) {
      const vote = new TrackVote({ maxAttempts: framesPerVisit, minAgreeing });
      for (const o of photos.slice(i, i + framesPerVisit)) {
        if (!o.detected || vote.decided) continue;
        vote.add({ name: o.name, score: o.score ?? 0, masked: o.flaggedMasked ?? false, faceSize: 1 });
      }
      const decision = vote.decided ?? vote.finish();
      visits++;
      if (decision.kind === "identified" && decision.name === identity) right++;
      else if (decision.kind === "identified") wrong++;
    }
  }
  return {
    condition,
    framesPerVisit,
    minAgreeing,
    visits,
    identificationRate: visits ? right / visits : 0,
    misidentificationRate: visits ? wrong / visits : 0,
  };
}
