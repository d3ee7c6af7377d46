import { iou } from "../box-overlap.ts";

type Rect = readonly [x: number, y: number, w: number, h: number];

export { iou };

/**
 * MediaPipe-style weighted NMS: candidates overlapping the best one are not just suppressed but averaged into it,
 * weighted by score, which steadies boxes and keypoints from frame to frame.
 */
export function weightedNms<T extends { score: number; values: number[] }>(
  candidates: T[],
  rectOf: (c: T) => Rect,
  iouThreshold: number,
  blendMinScore = 0,
): { score: number; values: number[] }[] {
  const remaining = [...candidates].sort((a, b) => b.score - a.score);
  const out: { score: number; values: number[] }[] = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const bestRect = rectOf(best);
    const group: T[] = [];
    const rest: T[] = [];
    // `best` always joins its own group: a degenerate box (no area) overlaps nothing, itself included, and would
    // otherwise stay first for ever.
    for (const c of remaining) (c === best || iou(bestRect, rectOf(c)) > iouThreshold ? group : rest).push(c);
    // Only confident neighbours shape the box: weak anchors admitted for recall (the cascade asks BlazeFace for
    // candidates down to 0.3) would drag the box, and the landmark crop made from it, off the face.
    const blend = group.filter((c) => c === best || c.score >= blendMinScore);
    const total = blend.reduce((s, c) => s + c.score, 0);
    const values = best.values.map((_, k) => blend.reduce((s, c) => s + c.values[k] * c.score, 0) / total);
    out.push({ score: best.score, values });
    remaining.splice(0, remaining.length, ...rest);
  }
  return out;
}
