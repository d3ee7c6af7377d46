import type { BackoffOptions } from "./types.ts";

/** Exponential restart delay, capped, and reset once a run has stayed healthy long enough. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #resetAfterMs: number;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = Math.max(1, options.initialMs ?? 500);
    this.#maxMs = Math.max(this.#initialMs, options.maxMs ?? 30_000);
    this.#resetAfterMs = (options.resetAfterS ?? 60) * 1000;
  }

  /**
   * Delay before the next attempt, given how long the run that just ended was healthy (producing frames).
   * A healthy run of at least `resetAfterS` starts the series again.
   */
  next(healthyForMs: number): number {
    if (healthyForMs >= this.#resetAfterMs) this.#failures = 0;
    const delay = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return delay;
  }

  reset(): void {
    this.#failures = 0;
  }
}
