import type { FivePoints, Point } from "./types.ts";

/** Five points as `FivePoints`: the one place an array becomes the tuple, checked rather than cast blindly. */
export function fivePoints(points: readonly Point[]): FivePoints {
  if (points.length !== 5) throw new Error(`expected 5 landmarks, got ${points.length}`);
  return points as FivePoints;
}

/** Each of the five points through `f` (a scale, a transform), still `FivePoints`. */
export function mapFivePoints(points: readonly Point[], f: (p: Point, i: number) => Point): FivePoints {
  return fivePoints(points.map(f));
}
