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
  // Clusters as member lists; linkage = mean of the members' pairwise margins over their own threshold.
  const clusters: number[][] = captures.map((_, i) => [i]);
  for (;;) {
    let best = -1;
    let bestA = -1;
    let bestB = -1;
    for (let a = 0; a < clusters.length; a++)
      for (let b = a + 1; b < clusters.length; b++) {
        let sum = 0;
        for (const i of clusters[a]) for (const j of clusters[b]) sum += sim[i * n + j];
        const mean = sum / (clusters[a].length * clusters[b].length);
        if (mean > best) {
          best = mean;
          bestA = a;
          bestB = b;
        }
      }
    if (bestA < 0 || best < 0) break;
    clusters[bestA].push(...clusters[bestB]);
    clusters.splice(bestB, 1);
  }
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
