import { setFlagsFromString } from "node:v8";

/**
 * V8 lets each thread's young generation (where every new object starts) grow to 16 MB per semi-space — 32 MB or
 * more resident per thread once touched. A daemon's threads keep few objects alive per frame (the pixels live in
 * buffers outside the heap), so a small young generation costs a few more quick collections and saves ~10–15 MB
 * per thread (measured with `npm run bench`).
 *
 * `--max-semi-space-size` only applies to isolates created after it is set: at run time it no longer reaches the
 * main thread, which already exists. Forbidding growth does: with a growth factor of 1 every young generation
 * created or grown from now on keeps its initial size (1 MB per semi-space), the main thread's included. The
 * systemd unit and the Docker image also set `--max-semi-space-size=2`, for the threads that start before this.
 */
export function keepYoungGenerationSmall(): void {
  try {
    setFlagsFromString("--semi-space-growth-factor=1");
  } catch {
    // A runtime without the flag: the default growth, as before.
  }
}

/** Young generation of a worker thread (`resourceLimits.maxYoungGenerationSizeMb`): 2 MB semi-spaces. */
export const WORKER_YOUNG_GENERATION_MB = 6;
