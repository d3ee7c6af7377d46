import type { Frame } from "./types.ts";

/**
 * Single-slot mailbox between a camera and its one consumer: the consumer always gets the newest frame, and a frame
 * overwritten before it was taken is a drop. Memory stays bounded whatever the consumer's speed: one slot, the
 * frame being filled, the frames the consumer holds, and a small pool of spare buffers.
 */
export class FrameMailbox {
  #slot: Frame | null = null;
  #waiters: Array<(frame: Frame | null) => void> = [];
  #pool: Uint8Array[] = [];
  #closed = false;
  #drops = 0;

  constructor(
    /** Bytes of one frame; buffers of another size are not pooled. */
    private frameBytes: number,
    private readonly poolSize = 2,
  ) {}

  get drops(): number {
    return this.#drops;
  }

  /** A buffer for the next frame: a recycled one when there is one, else a new one. */
  acquire(): Uint8Array {
    return this.#pool.pop() ?? new Uint8Array(this.frameBytes);
  }

  /** Returns a buffer to the pool (a dropped frame's, or one the consumer is done with). */
  recycle(buffer: Uint8Array): void {
    if (buffer.byteLength === this.frameBytes && this.#pool.length < this.poolSize) this.#pool.push(buffer);
  }

  /** Changes the frame size; pooled buffers of the old size are let go. */
  resize(frameBytes: number): void {
    if (frameBytes === this.frameBytes) return;
    this.frameBytes = frameBytes;
    this.#pool = [];
  }

  put(frame: Frame): void {
    if (this.#closed) {
      this.recycle(frame.image.data);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter(frame);
      return;
    }
    if (this.#slot) {
      this.#drops++;
      this.recycle(this.#slot.image.data);
    }
    this.#slot = frame;
  }

  take(): Promise<Frame | null> {
    if (this.#slot) {
      const frame = this.#slot;
      this.#slot = null;
      return Promise.resolve(frame);
    }
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Opens a closed mailbox again (start after stop). */
  open(): void {
    this.#closed = false;
  }

  /** Wakes every waiter with `null` and drops the pending frame. */
  close(): void {
    this.#closed = true;
    if (this.#slot) this.recycle(this.#slot.image.data);
    this.#slot = null;
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }
}
