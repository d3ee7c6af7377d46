import type { TemplateSpace } from "../recognition/gallery.ts";
import type { Matcher } from "../recognition/matcher.ts";
import type { CachedAnalysis } from "./analysis-cache.ts";
import { subjectFace } from "./eval-gallery.ts";
import type { ManifestRow } from "./manifest.ts";
import { type SplitName, splitOf } from "./split.ts";

/** What the product decided for one probe or stranger image. */
export interface RowOutcome {
  identity: string;
  path: string;
  role: "probe" | "unknown";
  /** The image shows a mask (manifest truth). */
  masked: boolean;
  template: string;
  /** Calibration half of a never-enrolled person; null for probes. */
  split: SplitName | null;
  detected: boolean;
  /** The product's mask flag; null when no face was found. */
  flaggedMasked: boolean | null;
  /** Named person (null: nobody), exactly what `identify` prints for this face. */
  name: string | null;
  /** Best candidate even below threshold (rank-1). */
  candidate: string | null;
  score: number | null;
  /** Score minus the threshold of the space used: ≥ 0 names the candidate, comparable across spaces. */
  margin: number | null;
  space: TemplateSpace | null;
}

/** Runs every probe and unknown row's subject face through the product's matcher. */
export function identifyRows(
  rows: ManifestRow[],
  analyses: Map<string, CachedAnalysis>,
  matcher: Matcher,
): RowOutcome[] {
  const out: RowOutcome[] = [];
  for (const row of rows) {
    if (row.role === "enroll") continue;
    const base = {
      identity: row.identity,
      path: row.path,
      role: row.role,
      masked: row.masked,
      template: row.template,
      split: row.role === "unknown" ? splitOf(row.identity) : null,
    };
    const face = subjectFace(analyses.get(row.path));
    if (!face) {
      out.push({
        ...base,
        detected: false,
        flaggedMasked: null,
        name: null,
        candidate: null,
        score: null,
        margin: null,
        space: null,
      });
      continue;
    }
    const m = matcher.match(face);
    out.push({
      ...base,
      detected: true,
      flaggedMasked: face.masked,
      name: m.name,
      candidate: m.candidate,
      score: m.score,
      margin: m.candidate === null ? null : m.score - m.threshold,
      space: m.space,
    });
  }
  return out;
}
