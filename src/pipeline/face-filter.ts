import type { Box } from "../vision/types.ts";

/** Share of a box's area inside a bigger box above which it is taken for part of that face. */
const NESTED_SHARE = 0.6;

function intersection(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  return ix * iy;
}

/**
 * Drops detections that lie mostly inside a bigger one. A face cannot be inside another face, but detectors
 * (BlazeFace on LFW-like close-ups) sometimes fire on a nose-and-mouth patch within a real face; as a track of
 * its own that would announce an extra `unknown` for every visitor. Input order is kept.
 */
export function dropNestedFaces<T extends { box: Box }>(faces: readonly T[]): T[] {
  return faces.filter((f, i) => {
    const area = f.box[2] * f.box[3];
    if (area <= 0) return false;
    return !faces.some(
      (g, j) => j !== i && g.box[2] * g.box[3] > area && intersection(f.box, g.box) >= NESTED_SHARE * area,
    );
  });
}
