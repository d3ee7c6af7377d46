/**
 * Model input buffers, reused once the run that read them has finished. onnxruntime-node reads an input a tick
 * after `run()` (test/vision-concurrency.test.ts), so a buffer is never shared by two runs in flight: each call
 * takes its own and gives it back only when its run has settled. What this saves is churn: every frame's inputs
 * (BlazeFace 0.8 MB, RFB-320 0.9 MB, 0.15 MB per face embedded) used to be fresh allocations, and memory freed
 * between collections stays with the allocator, which shows in the daemon's peak RSS (`npm run bench`).
 */
export class InputBuffers {
  readonly #free = new Map<number, Float32Array[]>();

  /** `keep`: buffers kept per length (more than the runs usually in flight at once). */
  constructor(private readonly keep = 2) {}

  /** A buffer of `length` floats with whatever the last run left in it: the caller writes every element. */
  take(length: number): Float32Array {
    return this.#free.get(length)?.pop() ?? new Float32Array(length);
  }

  give(buffer: Float32Array): void {
    let kept = this.#free.get(buffer.length);
    if (!kept) {
      // Detectors with an input sized to each photo would otherwise keep one list per size seen.
      if (this.#free.size >= 4) this.#free.clear();
      kept = [];
      this.#free.set(buffer.length, kept);
    }
    if (kept.length < this.keep) kept.push(buffer);
  }

  /** Runs `use` on a buffer of `length` floats and takes it back when the returned promise settles. */
  async with<T>(length: number, use: (buffer: Float32Array) => Promise<T>): Promise<T> {
    const buffer = this.take(length);
    try {
      return await use(buffer);
    } finally {
      this.give(buffer);
    }
  }
}
