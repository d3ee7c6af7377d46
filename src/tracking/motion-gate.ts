import type { RgbImage } from "../vision/types.ts";

export interface MotionGateOptions {
  /** Side in pixels of the square cells the frame is averaged into (640×480 → 80×60 cells at 8). Default 8. */
  cellSize?: number;
  /** A cell whose mean brightness changed by more than this (0..255) counts as moved. Default 10. */
  cellThreshold?: number;
  /** Share of moved cells that means motion. Default 0.002 (about 10 cells of 80×60). */
  minChangedFraction?: number;
  /** Detect at least every N frames, whatever the motion (catches someone standing still). Default 10. */
  forceEvery?: number;
}

export type GateReason = "first" | "motion" | "tracks" | "forced" | "still";

export interface GateVerdict {
  /** Run the detector on this frame. */
  detect: boolean;
  reason: GateReason;
  /** Share of cells that changed since the previous frame. */
  changedFraction: number;
}

/**
 * Decides whether a frame is worth running the face detector on: a cheap difference of block-averaged brightness
 * against the previous frame. Detection still runs every `forceEvery` frames and whenever tracks are alive (the
 * tracker needs fresh boxes). Kernels are plain typed-array loops, sampling every other pixel; no allocation per
 * frame once the grid size is known.
 */
export class MotionGate {
  readonly #cellSize: number;
  readonly #cellThreshold: number;
  readonly #minChangedFraction: number;
  readonly #forceEvery: number;
  #current = new Uint32Array(0);
  #previous = new Uint32Array(0);
  #samplesPerCell = 1;
  #gridWidth = 0;
  #gridHeight = 0;
  #sinceDetection = 0;
  #hasPrevious = false;

  constructor(options: MotionGateOptions = {}) {
    this.#cellSize = Math.max(2, Math.floor(options.cellSize ?? 8));
    this.#cellThreshold = options.cellThreshold ?? 10;
    this.#minChangedFraction = options.minChangedFraction ?? 0.002;
    this.#forceEvery = Math.max(1, options.forceEvery ?? 10);
  }

  /** Call once per frame, in order. `tracksAlive`: the tracker has live tracks (confirmed or tentative). */
  check(image: RgbImage, tracksAlive: boolean): GateVerdict {
    this.#shrink(image);
    const changedFraction = this.#hasPrevious ? this.#changedFraction() : 1;
    const first = !this.#hasPrevious;
    this.#hasPrevious = true;
    const swap = this.#previous;
    this.#previous = this.#current;
    this.#current = swap;

    let reason: GateReason;
    if (first) reason = "first";
    else if (changedFraction >= this.#minChangedFraction) reason = "motion";
    else if (tracksAlive) reason = "tracks";
    else if (this.#sinceDetection + 1 >= this.#forceEvery) reason = "forced";
    else reason = "still";
    const detect = reason !== "still";
    this.#sinceDetection = detect ? 0 : this.#sinceDetection + 1;
    return { detect, reason, changedFraction };
  }

  /** Forgets the previous frame (e.g. after a camera restart). */
  reset(): void {
    this.#hasPrevious = false;
    this.#sinceDetection = 0;
  }

  /** Sums r + 2g + b (a brightness proxy) over every other pixel of every other row, per cell. */
  #shrink(image: RgbImage): void {
    const cell = this.#cellSize;
    const gw = Math.max(1, Math.floor(image.width / cell));
    const gh = Math.max(1, Math.floor(image.height / cell));
    if (gw !== this.#gridWidth || gh !== this.#gridHeight) {
      this.#gridWidth = gw;
      this.#gridHeight = gh;
      this.#current = new Uint32Array(gw * gh);
      this.#previous = new Uint32Array(gw * gh);
      this.#hasPrevious = false;
    }
    const sums = this.#current;
    sums.fill(0);
    const data = image.data;
    const rowBytes = image.width * 3;
    const usedWidth = Math.min(image.width, gw * cell);
    const usedHeight = Math.min(image.height, gh * cell);
    for (let y = 0; y < usedHeight; y += 2) {
      const gridRow = Math.floor(y / cell) * gw;
      const rowStart = y * rowBytes;
      for (let gx = 0; gx < gw; gx++) {
        const xEnd = Math.min(usedWidth, (gx + 1) * cell);
        let sum = 0;
        for (let x = gx * cell; x < xEnd; x += 2) {
          const i = rowStart + x * 3;
          sum += data[i] + 2 * data[i + 1] + data[i + 2];
        }
        sums[gridRow + gx] += sum;
      }
    }
    // ceil(cell/2) rows × ceil(cell/2) columns sampled per cell, each worth 4× brightness (r + 2g + b)
    this.#samplesPerCell = Math.ceil(cell / 2) * Math.ceil(cell / 2) * 4;
  }

  #changedFraction(): number {
    const cur = this.#current;
    const prev = this.#previous;
    const limit = this.#cellThreshold * this.#samplesPerCell;
    let changed = 0;
    for (let i = 0; i < cur.length; i++) {
      const diff = cur[i] - prev[i];
      if (diff > limit || diff < -limit) changed++;
    }
    return changed / cur.length;
  }
}
