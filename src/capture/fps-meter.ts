/** Frame rate over the last `window` frames, from a ring of arrival times (no allocation per frame). */
export class FpsMeter {
  readonly #times: Float64Array;
  #count = 0;
  #next = 0;

  constructor(window = 30) {
    this.#times = new Float64Array(Math.max(2, window));
  }

  tick(timestampMs: number): void {
    this.#times[this.#next] = timestampMs;
    this.#next = (this.#next + 1) % this.#times.length;
    if (this.#count < this.#times.length) this.#count++;
  }

  /** Frames per second; 0 until two frames arrived or when the newest is older than `staleMs` at `nowMs`. */
  fps(nowMs: number = Date.now(), staleMs = 5000): number {
    if (this.#count < 2) return 0;
    const n = this.#times.length;
    const newest = this.#times[(this.#next - 1 + n) % n];
    const oldest = this.#times[(this.#next - this.#count + n) % n];
    if (nowMs - newest > staleMs || newest <= oldest) return 0;
    return ((this.#count - 1) * 1000) / (newest - oldest);
  }

  reset(): void {
    this.#count = 0;
    this.#next = 0;
  }
}
