import type { Capture } from "../recognition/capture-store.ts";
import type { Thresholds } from "../recognition/matcher.ts";
import { cosine } from "../recognition/matcher.ts";

/**
 * Groups unknown captures that show the same stranger, so the page can ask "who is this?" once per person:
 * average-linkage agglomerative clustering (merge the two closest groups while their mean pairwise similarity
 * reaches the threshold). Two captures compare on the whole face when neither is masked, else on the upper face
 * (when both have one); a pair with nothing comparable never links. With the calibrated gallery thresholds two
 * different strangers rarely reach the bar, and one person's captures of a few visits usually do.
 *
 * Returns each capture's group id: the id of the group's oldest capture (stable while captures come and go).
 */
export function groupCaptures(captures: readonly Capture[], thresholds: Thresholds): Map<string, string> {
  const n = captures.length;
  const sim = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = similarity(captures[i], captures[j], thresholds);
      sim[i * n + j] = s;
      sim[j * n + i] = s;
    }
  // Average linkage kept up to date as clusters merge (Lance–Williams): link(a∪b, c) is the size-weighted mean of
  // link(a, c) and link(b, c), so each merge costs one row instead of recomputing every pair of members.
  const members: number[][] = captures.map((_, i) => [i]);
  const link = Float32Array.from(sim);
  const alive = new Array<boolean>(n).fill(true);
  for (;;) {
    let best = 0;
    let bestA = -1;
    let bestB = -1;
    for (let a = 0; a < n; a++) {
      if (!alive[a]) continue;
      for (let b = a + 1; b < n; b++)
        if (alive[b] && link[a * n + b] >= best) {
          best = link[a * n + b];
          bestA = a;
          bestB = b;
        }
    }
    if (bestA < 0) break;
    const sa = members[bestA].length;
    const sb = members[bestB].length;
    for (let c = 0; c < n; c++) {
      if (!alive[c] || c === bestA || c === bestB) continue;
      const merged = (sa * link[bestA * n + c] + sb * link[bestB * n + c]) / (sa + sb);
      link[bestA * n + c] = merged;
      link[c * n + bestA] = merged;
    }
    members[bestA].push(...members[bestB]);
    members[bestB] = [];
    alive[bestB] = false;
  }
  const clusters = members.filter((m) => m.length > 0);
  const groups = new Map<string, string>();
  for (const members of clusters) {
    const oldest = members.reduce((a, b) => (captures[b].time < captures[a].time ? b : a));
    for (const i of members) groups.set(captures[i].id, captures[oldest].id);
  }
  return groups;
}

/**
 * Cosine minus the space's threshold (≥ 0: same person), so whole-face and upper-face pairs, whose scales differ,
 * mix in one linkage. −1 when the two share no comparable template.
 */
function similarity(a: Capture, b: Capture, thresholds: Thresholds): number {
  if (a.embedder !== b.embedder) return -1;
  if (!a.masked && !b.masked) return cosine(a.embedding, b.embedding) - thresholds.full;
  if (a.upper && b.upper) return cosine(a.upper, b.upper) - thresholds.upper;
  return -1;
}

/**
 * The last grouping, reused while the unknown captures stay the same (the page asks often; the clustering is
 * quadratic in the captures).
 */
export class CaptureGroupCache {
  #key = "";
  #groups = new Map<string, string>();

  groups(captures: readonly Capture[], thresholds: Thresholds): Map<string, string> {
    const key = `${thresholds.full},${thresholds.upper}:${captures.map((c) => c.id).join(",")}`;
    if (key !== this.#key) {
      this.#groups = groupCaptures(captures, thresholds);
      this.#key = key;
    }
    return this.#groups;
  }
}
