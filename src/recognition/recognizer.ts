import { join } from "node:path";
import {
  type Calibration,
  type Comparand,
  loadCalibration,
  oneToOneThreshold,
  thresholdFor,
} from "./calibration.ts";
import { Gallery, type TemplateSpace } from "./gallery.ts";
import { Matcher, type Thresholds } from "./matcher.ts";

/**
 * Galleries smaller than this are thresholded as if they had this many people. The per-comparison model assumes
 * a stranger's scores against different people are independent draws from one population; in a small household
 * gallery they are not (a stranger of the same age and sex as one member scores high against that member), so
 * the threshold stops falling below the 20-person value. Unmasked genuine scores sit far above it (ID barely moves).
 */
export const MIN_CALIBRATED_GALLERY = 20;

/** Where the product's calibration lives (made by scripts/calibrate.ts on development data, committed). */
export function defaultCalibrationPath(weightsDir: string): string {
  return join(weightsDir, "calibration.json");
}

export interface ThresholdOverrides {
  full?: number;
  upper?: number;
}

/** Calibration that belongs to this embedder, or null (another embedder's scores would be meaningless). */
export function calibrationFor(path: string, embedderId: string): Calibration | null {
  const c = loadCalibration(path);
  return c && c.embedder === embedderId ? c : null;
}

/**
 * The calibrated threshold for a gallery of `people` people (never below the MIN_CALIBRATED_GALLERY value), or
 * null when the calibration has no tail for that space. The one rule: the daemon's matcher and the thresholds a
 * trained version stores both come from here.
 */
export function calibratedThreshold(
  calibration: Calibration,
  space: TemplateSpace,
  people: number,
  comparand: Comparand = "face",
): number | null {
  const size = Math.max(MIN_CALIBRATED_GALLERY, people);
  return thresholdFor(calibration, space, size, calibration.targetFalseAccept, comparand);
}

/**
 * The decision thresholds for a gallery: the calibrated defaults for its size, unless overridden. A user-brought
 * embedder has no calibration, so it needs explicit thresholds.
 */
export function resolveThresholds(
  gallery: Gallery,
  calibration: Calibration | null,
  overrides: ThresholdOverrides = {},
  comparand: Comparand = "face",
): Thresholds {
  const pick = (space: TemplateSpace, fallback?: number): number => {
    const o = overrides[space];
    if (o !== undefined) return o;
    const t = calibration ? calibratedThreshold(calibration, space, gallery.people.size, comparand) : null;
    if (t !== null) return t;
    if (fallback !== undefined) return fallback;
    throw new Error(
      `no calibrated threshold for embedder "${gallery.embedderId}" (${space} faces): set recognition.threshold` +
        `${space === "upper" ? " and recognition.masked_threshold" : ""} in the config (or --threshold), or run scripts/calibrate.ts`,
    );
  };
  const full = pick("full");
  return { full, upper: pick("upper", full) };
}

/**
 * The score above which a face is taken for the same face as one negative template ("not this person"): the
 * calibrated 1-to-1 threshold (a stranger passes one comparison with the target false-accept rate), else the
 * decision threshold.
 */
export function negativeThresholds(calibration: Calibration | null, decision: Thresholds): Thresholds {
  const pick = (space: TemplateSpace) =>
    (calibration ? oneToOneThreshold(calibration, space) : null) ?? decision[space];
  return { full: pick("full"), upper: pick("upper") };
}

/**
 * The score above which two unknown captures count as the same stranger (grouping on the web page): the decision
 * threshold of a household gallery, so two captures group about as readily as a face is named. Null when there is
 * neither a calibration nor an override.
 */
export function sameStrangerThresholds(
  calibration: Calibration | null,
  embedderId: string,
  overrides: ThresholdOverrides = {},
): Thresholds | null {
  try {
    return resolveThresholds(new Gallery(embedderId, 0), calibration, overrides);
  } catch {
    return null;
  }
}

export function buildMatcher(
  gallery: Gallery,
  calibration: Calibration | null,
  overrides: ThresholdOverrides = {},
): Matcher {
  const thresholds = resolveThresholds(gallery, calibration, overrides);
  return new Matcher(gallery, thresholds, {
    set: resolveThresholds(gallery, calibration, overrides, "set"),
    negative: negativeThresholds(calibration, thresholds),
  });
}
