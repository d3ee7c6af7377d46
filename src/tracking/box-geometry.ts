import { iou } from "../vision/box-overlap.ts";
import type { Box } from "../vision/types.ts";

export { iou };

export function centre(box: Box): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}

/** Distance between the centres, in units of the boxes' mean side, so it means the same for near and far faces. */
export function relativeCentreDistance(a: Box, b: Box): number {
  const [ax, ay] = centre(a);
  const [bx, by] = centre(b);
  const side = (a[2] + a[3] + b[2] + b[3]) / 4;
  return side > 0 ? Math.hypot(ax - bx, ay - by) / side : Number.POSITIVE_INFINITY;
}

/** Ratio of the larger to the smaller box area (≥ 1). */
export function areaRatio(a: Box, b: Box): number {
  const aa = a[2] * a[3];
  const ba = b[2] * b[3];
  if (aa <= 0 || ba <= 0) return Number.POSITIVE_INFINITY;
  return aa > ba ? aa / ba : ba / aa;
}
