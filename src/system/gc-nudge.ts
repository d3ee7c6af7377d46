import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options?: { type?: "minor" | "major" }) => void;

let collect: Collect | null | undefined;

/**
 * V8's own collector, reached without a command-line flag: `--expose-gc` set at run time exposes `gc` to contexts
 * created afterwards, so a fresh context hands it over. null when the runtime refuses (the nudge then does nothing).
 */
function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      const gc: unknown = runInNewContext("gc");
      collect = typeof gc === "function" ? (gc as Collect) : null;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/**
 * One collection now (no-op where the runtime refuses): after a one-off burst of large temporary buffers, such as
 * a model read and rewritten at start-up, so their memory goes back to the system before the frames come.
 */
export function collectGarbage(type: "minor" | "major" = "major"): void {
  collector()?.({ type });
}

export interface GcNudgeOptions {
  /** A young-generation collection after this many bytes of short-lived buffers. Default 2 MiB. */
  minorEveryBytes?: number;
  /** A full collection after this many (for buffers whose wrappers were promoted). Default 128 MiB. */
  majorEveryBytes?: number;
}

/**
 * Frees dead frame-sized buffers promptly. A buffer's memory lives outside V8's heap, and V8 lets up to 64 MB of
 * such "external" memory pile up per thread before it collects, because the JS objects holding it are tiny: a
 * camera's ffmpeg pipe (27 MB/s of 64 KiB chunks at 640×480×30 fps) and the vision worker's tensors and frame
 * copies (~3 MB per analysed frame) reached that every few seconds: ~75 MB of a 280 MB daemon (measured with
 * `npm run bench`). A minor collection costs ~0.05–0.3 ms; one per 2 MiB keeps the garbage at a few MB.
 */
export class GcNudge {
  readonly #minorEvery: number;
  readonly #majorEvery: number;
  #sinceMinor = 0;
  #sinceMajor = 0;

  constructor(options: GcNudgeOptions = {}) {
    this.#minorEvery = options.minorEveryBytes ?? 2 * 2 ** 20;
    this.#majorEvery = options.majorEveryBytes ?? 128 * 2 ** 20;
  }

  /** Counts `bytes` of buffers that have just become garbage (or soon will) and collects when due. */
  allocated(bytes: number): void {
    this.#sinceMinor += bytes;
    this.#sinceMajor += bytes;
    if (this.#sinceMinor < this.#minorEvery) return;
    const gc = collector();
    const major = this.#sinceMajor >= this.#majorEvery;
    this.#sinceMinor = 0;
    if (major) this.#sinceMajor = 0;
    gc?.({ type: major ? "major" : "minor" });
  }
}
