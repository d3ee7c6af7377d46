import { existsSync, readFileSync } from "node:fs";
import type { TemplateSpace } from "./gallery.ts";

/**
 * How often a stranger's face scores above a given cosine against ONE enrolled person's mean template, measured
 * on development identities (scripts/calibrate.ts). From it the threshold for any gallery size follows: with N
 * people a stranger is named if any of N comparisons passes, so the per-comparison rate must be
 * 1 − (1 − target)^(1/N). This adapts to small home galleries and large office ones without re-fitting.
 */
export interface ImpostorTail {
  /** Pairs (score, probability that an impostor comparison exceeds it), score ascending. */
  points: [score: number, exceed: number][];
}

export interface Calibration {
  embedder: string;
  /** Target share of strangers named, e.g. 0.01. */
  targetFalseAccept: number;
  spaces: Partial<Record<TemplateSpace, ImpostorTail>>;
  /**
   * The same for a visit's aggregate (the mean of several photos of one person, see face-set.ts) against other
   * people's templates: a mean cancels each photo's own noise, look-alikes' included, so its tail can reach higher.
   * Absent in calibrations made before sets were decided: the single-face tails serve.
   */
  sets?: Partial<Record<TemplateSpace, ImpostorTail>>;
  /** How the figures were made (data, split), for the README and `gallery info`. */
  provenance: string;
}

export function loadCalibration(path: string): Calibration | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")) as Calibration;
}

/** The per-comparison exceedance probability that keeps the gallery-level false accepts at `target`. */
export function perComparisonRate(target: number, gallerySize: number): number {
  return 1 - (1 - target) ** (1 / Math.max(1, gallerySize));
}

/** Score above which a stranger passes with probability `p`, interpolated in log(p). */
export function scoreAtExceedance(tail: ImpostorTail, p: number): number {
  const pts = tail.points;
  if (p >= pts[0][1]) return pts[0][0];
  for (let i = 1; i < pts.length; i++) {
    const [s1, p1] = pts[i];
    if (p >= p1) {
      const [s0, p0] = pts[i - 1];
      const f = (Math.log(p) - Math.log(p0)) / (Math.log(p1) - Math.log(p0));
      return s0 + f * (s1 - s0);
    }
  }
  return pts[pts.length - 1][0];
}

/** Builds the tail table from raw impostor scores (used by the calibration script and tests). */
export function tailFromScores(scores: Float32Array | number[]): ImpostorTail {
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  const points: [number, number][] = [];
  for (let p = 0.5; p * n >= 1; p /= 1.25) {
    const idx = Math.min(n - 1, Math.floor((1 - p) * n));
    points.push([Number(sorted[idx].toFixed(5)), Number(p.toPrecision(4))]);
  }
  return { points };
}

/** What is compared: one face, or a visit's aggregate of faces. */
export type Comparand = "face" | "set";

/**
 * The one-to-one threshold: the score two faces of different people reach at the target false-accept rate (a
 * gallery of one). The one rule behind "not this person" (negatives), the same-face check that splits a visit
 * and enrollment's outlier check.
 */
export function oneToOneThreshold(calibration: Calibration, space: TemplateSpace): number | null {
  return thresholdFor(calibration, space, 1);
}

/**
 * The score a stranger passes with probability `target` in a gallery of `gallerySize`. For a set, never below the
 * single-face threshold: a set of one view is one face, whose own tail must hold too.
 */
export function thresholdFor(
  calibration: Calibration,
  space: TemplateSpace,
  gallerySize: number,
  target = calibration.targetFalseAccept,
  comparand: Comparand = "face",
): number | null {
  const tail = calibration.spaces[space];
  if (!tail) return null;
  const p = perComparisonRate(target, gallerySize);
  const face = scoreAtExceedance(tail, p);
  const setTail = comparand === "set" ? calibration.sets?.[space] : undefined;
  return setTail ? Math.max(face, scoreAtExceedance(setTail, p)) : face;
}
