/**
 * Open-set identification figures from per-image outcomes. Pure functions on plain numbers so that the tests can
 * check them on small hand-made sets.
 */

/** A probe's best match: whether the best candidate is the right person, and its score (null: no face found). */
export interface ProbeScore {
  correct: boolean;
  score: number | null;
}

export const rate = (count: number, of: number): number => (of > 0 ? count / of : 0);

/**
 * Share of probes named correctly when the threshold lets through at most `far` of the strangers: the threshold
 * is the (k+1)-th highest stranger score with k = ⌊far·n⌋ and a face must score strictly above it. Strangers and
 * probes without a face (score null) are never named but stay in the denominators.
 */
export function tarAtFar(probes: ProbeScore[], strangers: (number | null)[], far: number): number {
  const s = strangers.filter((v): v is number => v !== null).sort((a, b) => b - a);
  const k = Math.floor(far * strangers.length + 1e-9);
  const t = k < s.length ? s[k] : Number.NEGATIVE_INFINITY;
  const accepted = probes.filter((p) => p.correct && p.score !== null && p.score > t).length;
  return rate(accepted, probes.length);
}

export interface CurvePoint {
  /** Share of strangers named. */
  far: number;
  /** Share of probes named correctly. */
  tar: number;
  threshold: number;
}

/**
 * The open-set ROC: one point per distinct score, from the strictest threshold down. A probe counts only when its
 * best candidate is right, so the curve ends at the rank-1 rate, not at 1.
 */
export function openSetCurve(probes: ProbeScore[], strangers: (number | null)[]): CurvePoint[] {
  type Item = { score: number; probe: boolean; correct: boolean };
  const items: Item[] = [];
  for (const p of probes)
    if (p.score !== null) items.push({ score: p.score, probe: true, correct: p.correct });
  for (const s of strangers) if (s !== null) items.push({ score: s, probe: false, correct: false });
  items.sort((a, b) => b.score - a.score);
  const points: CurvePoint[] = [{ far: 0, tar: 0, threshold: Number.POSITIVE_INFINITY }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.probe && it.correct) tp++;
    if (!it.probe) fp++;
    // Ties are one threshold: emit a point only after the last item with this score.
    if (i + 1 < items.length && items[i + 1].score === it.score) continue;
    points.push({ far: rate(fp, strangers.length), tar: rate(tp, probes.length), threshold: it.score });
  }
  return points;
}

/** Counts of (true label → decided label) pairs, most frequent first. */
export function countPairs(pairs: [truth: string, decided: string][]): Map<string, Map<string, number>> {
  const m = new Map<string, Map<string, number>>();
  for (const [t, d] of pairs) {
    const row = m.get(t) ?? new Map<string, number>();
    row.set(d, (row.get(d) ?? 0) + 1);
    m.set(t, row);
  }
  return m;
}
