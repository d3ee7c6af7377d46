/**
 * The project's one seeded generator (mulberry32, src/vision/mask/rng.ts), under the name training uses: a
 * retraining with the same photos and seed gives the same model (reproducible `facegate train --seed N`).
 */
export { mulberry32 as seededRng, type Rng, shuffleInPlace, uniform } from "../vision/mask/rng.ts";
