import { perComparisonRate, scoreAtExceedance, tailFromScores } from "../recognition/calibration.ts";
import type { Person, TemplateSpace } from "../recognition/gallery.ts";
import { cosine, meanTemplate } from "../recognition/matcher.ts";
import type { FaceSample } from "./dataset.ts";

/** Mean whole-face / upper-face template per person, as the Matcher computes them. */
export function meanTemplates(
  people: Person[],
  dim: number,
): Map<string, Record<TemplateSpace, Float32Array | null>> {
  const out = new Map<string, Record<TemplateSpace, Float32Array | null>>();
  for (const p of people) {
    const of = (space: TemplateSpace) => {
      const v = p.templates.filter((t) => t.space === space).map((t) => t.vector);
      return v.length ? meanTemplate(v, dim) : null;
    };
    out.set(p.name, { full: of("full"), upper: of("upper") });
  }
  return out;
}

/**
 * Gallery threshold from the training photos when no product calibration exists for the embedder: impostor
 * cosines (each photo against every OTHER person's template, negatives against everyone) give a tail; the
 * threshold keeps the chance that a stranger passes any of the N people at `target`. With few photos the tail
 * ends early and the highest impostor score is used: conservative, as a stranger should stay unknown.
 */
export function galleryThresholdFromData(
  samples: FaceSample[],
  names: string[],
  templates: Map<string, Record<TemplateSpace, Float32Array | null>>,
  space: TemplateSpace,
  target = 0.01,
): number | null {
  const scores: number[] = [];
  for (const s of samples) {
    if (s.augmented) continue;
    const v = space === "full" ? s.embedding : s.upper;
    if (!v) continue;
    names.forEach((name, label) => {
      if (label === s.label) return;
      const t = templates.get(name)?.[space];
      if (t) scores.push(cosine(v, t));
    });
  }
  if (scores.length < 10) return null;
  const rate = perComparisonRate(target, names.length);
  // Too few comparisons to see that rare a stranger: the highest impostor score seen is the honest bound.
  if (rate * scores.length < 1) return Number(Math.max(...scores).toFixed(5));
  return scoreAtExceedance(tailFromScores(scores), rate);
}

/**
 * Softmax threshold from the validation photos: with negatives in validation, the lowest value that names at
 * most `target` of them; always at least the value that keeps `keep` of the correctly-classified known faces
 * would be too lax on its own, so the larger of the two is used, floored at 0.5.
 */
export function softmaxThreshold(
  known: { correct: boolean; probability: number }[],
  negatives: { probability: number; person: boolean }[],
  target = 0.01,
): number {
  let t = 0.5;
  const neg = negatives
    .filter((n) => n.person)
    .map((n) => n.probability)
    .sort((a, b) => b - a);
  if (negatives.length > 0) {
    const allowed = Math.floor(target * negatives.length);
    if (neg.length > allowed) t = Math.max(t, neg[allowed] + 1e-6);
  }
  // Never so strict that most known faces are rejected: cap at the 10th percentile of correct known answers.
  const ok = known
    .filter((k) => k.correct)
    .map((k) => k.probability)
    .sort((a, b) => a - b);
  if (ok.length > 0) t = Math.min(t, Math.max(0.5, ok[Math.floor(ok.length * 0.1)]));
  return Number(t.toFixed(4));
}
