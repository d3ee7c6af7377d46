import type { Calibration } from "../recognition/calibration.ts";
import { buildMatcher } from "../recognition/recognizer.ts";
import type { CachedAnalysis } from "./analysis-cache.ts";
import { buildEvalGallery, enrollPolicyFor } from "./eval-gallery.ts";
import { identifyRows, type RowOutcome } from "./identify-rows.ts";
import type { ManifestRow } from "./manifest.ts";
import type { PlotInput } from "./plots.ts";
import {
  type Condition,
  conditionReport,
  decisionCounts,
  type EvalReport,
  type StrangerSplit,
} from "./report.ts";
import { visitReport } from "./visits.ts";

export interface Models {
  embedder: string;
  dim: number;
  detector: string;
  maskClassifier: string | null;
  upperProjection?: string | null;
}

export interface Evaluation {
  report: EvalReport;
  plots: PlotInput[];
  outcomes: RowOutcome[];
}

/**
 * Enrolls the `enroll` rows and identifies every other row exactly as `facegate enroll` + `facegate identify`
 * would with the product's calibration, then scores the decisions per condition (unmasked / masked photos).
 */
export function evaluate(
  rows: ManifestRow[],
  analyses: Map<string, CachedAnalysis>,
  models: Models,
  calibration: Calibration | null,
  split: StrangerSplit,
  manifest: string,
): Evaluation {
  const { gallery, notEnrolled, photosRejected } = buildEvalGallery(
    rows,
    analyses,
    models.embedder,
    models.dim,
    enrollPolicyFor(calibration),
  );
  if (gallery.people.size === 0)
    throw new Error(`${manifest}: nobody could be enrolled from its enroll rows`);
  const matcher = buildMatcher(gallery, calibration);
  const outcomes = identifyRows(rows, analyses, matcher);
  const conditions: Condition[] = ["unmasked", "masked"];
  const present = conditions.filter((c) => outcomes.some((o) => o.masked === (c === "masked")));
  const plots: PlotInput[] = present.map((condition) => {
    const { report, curve } = conditionReport(outcomes, condition, split);
    return { condition, report, curve, confusions: decisionCounts(outcomes, condition, split) };
  });
  const report: EvalReport = {
    manifest,
    embedder: models.embedder,
    detector: models.detector,
    maskClassifier: models.maskClassifier,
    upperProjection: models.upperProjection ?? null,
    gallerySize: gallery.people.size,
    notEnrolled,
    enrollPhotosRejected: photosRejected,
    thresholds: matcher.thresholds,
    calibration: calibration?.provenance ?? "none (thresholds given explicitly)",
    split,
    conditions: plots.map((p) => p.report),
    setThresholds: matcher.setThresholds,
    visits: present.map((condition) => visitReport(rows, analyses, matcher, condition)),
  };
  return { report, plots, outcomes };
}
