import type { Matcher } from "../recognition/matcher.ts";
import { VisitEvidence } from "../recognition/visit-evidence.ts";
import type { CachedAnalysis } from "./analysis-cache.ts";
import { subjectFace } from "./eval-gallery.ts";
import type { ManifestRow } from "./manifest.ts";
import type { Condition } from "./report.ts";

export interface VisitReport {
  condition: Condition;
  photosPerVisit: number;
  visits: number;
  /** Share of visits decided as the right person. */
  identificationRate: number;
  /** Share of visits decided as somebody else. */
  misidentificationRate: number;
}

/**
 * The daemon names a visit from its faces as one set (src/recognition/visit-evidence.ts). Here a visit of an
 * enrolled person is `photosPerVisit` of their different probe photos of one condition (sorted by path, taken in
 * consecutive groups), each photo one face, decided by the same rule once all are in. Strangers of the development
 * set have one photo each, so their per-visit false-accept rate is the single-photo one against the set
 * thresholds; `scripts/eval-visits.ts` measures both through the daemon itself.
 */
export function visitReport(
  rows: ManifestRow[],
  analyses: Map<string, CachedAnalysis>,
  matcher: Matcher,
  condition: Condition,
  photosPerVisit = 3,
): VisitReport {
  const byPerson = new Map<string, ManifestRow[]>();
  for (const r of rows) {
    if (r.role !== "probe" || r.masked !== (condition === "masked")) continue;
    byPerson.set(r.identity, [...(byPerson.get(r.identity) ?? []), r]);
  }
  let visits = 0;
  let right = 0;
  let wrong = 0;
  for (const [identity, photos] of byPerson) {
    photos.sort((a, b) => a.path.localeCompare(b.path));
    for (let i = 0; i + photosPerVisit <= photos.length; i += photosPerVisit) {
      const evidence = new VisitEvidence();
      for (const row of photos.slice(i, i + photosPerVisit)) {
        const face = subjectFace(analyses.get(row.path));
        if (face) evidence.add({ ...face, weight: 1 }, matcher.match(face));
      }
      const named = evidence.verdict(matcher, 1)?.name ?? null;
      visits++;
      if (named === identity) right++;
      else if (named !== null) wrong++;
    }
  }
  return {
    condition,
    photosPerVisit,
    visits,
    identificationRate: visits ? right / visits : 0,
    misidentificationRate: visits ? wrong / visits : 0,
  };
}
