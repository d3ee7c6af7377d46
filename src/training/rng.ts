import type { Rng } from "../vision/mask/rng.ts";

/**
 * The project's one seeded generator (mulberry32, src/vision/mask/rng.ts), under the name training uses: a
 * retraining with the same photos and seed gives the same model (reproducible `facegate train --seed N`).
 */
export { mulberry32 as seededRng, type Rng, uniform } from "../vision/mask/rng.ts";

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
