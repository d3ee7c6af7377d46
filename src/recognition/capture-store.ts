import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../system/write-atomic.ts";
import type { Box } from "../vision/types.ts";
import { decodeVector, encodeVector } from "./vector-codec.ts";

/**
 * Captures: the best face of each decided visit, kept so a person can later say who it was (assign) or who it
 * was not (reject). The single owner of their format on disk. Each capture is two files in one folder:
 * `<id>.jpg` (the face with a margin) and `<id>.json` (who, where, when, and the face's templates), both 0600 and
 * written atomically, the JPEG first: a capture exists once its JSON does. Never sent over MQTT.
 */

export const CAPTURE_FORMAT = "facegate-capture";
export const CAPTURE_VERSION = 1;

/** Ids are made here (time, camera, random); anything else is refused before it can name a path. */
export const CAPTURE_ID_PATTERN = /^[A-Za-z0-9_-]{1,120}$/;

export interface Capture {
  id: string;
  camera: string;
  /** When the visit was decided (ISO). */
  time: string;
  first_seen: string;
  track_id: string;
  /** Who it is now: the daemon's decision, then what a person said (assign sets it, reject clears it). */
  name: string | null;
  /** The daemon's own decision, kept as it was. */
  decided_name: string | null;
  /** A person set `name` (assign). */
  assigned: boolean;
  /** Names a person said this face is not (reject). */
  rejected: string[];
  /** The decision's similarity (0..1). */
  score: number;
  masked: boolean;
  /** The face in the frame: [x, y, width, height]. */
  box: Box;
  embedder: string;
  /** Whole-face template (L2-normalised). */
  embedding: Float32Array;
  /** Upper-face template (lower face greyed), or null when none could be made. */
  upper: Float32Array | null;
}

interface StoredCapture extends Omit<Capture, "embedding" | "upper"> {
  format: typeof CAPTURE_FORMAT;
  version: number;
  dim: number;
  embedding: string;
  upper: string | null;
}

/** A new capture id: sortable by time, unique without coordination. */
export function newCaptureId(camera: string, time: Date): string {
  const stamp = time.toISOString().replace(/[-:.]/g, "");
  const cam = camera.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40) || "camera";
  return `${stamp}-${cam}-${randomBytes(4).toString("hex")}`;
}

export class CaptureStore {
  constructor(readonly dir: string) {}

  /** Path of a capture's JPEG; null for an id that is not one of ours. */
  imagePath(id: string): string | null {
    return CAPTURE_ID_PATTERN.test(id) ? join(this.dir, `${id}.jpg`) : null;
  }

  save(capture: Capture, jpeg: Uint8Array): void {
    const image = this.imagePath(capture.id);
    if (!image) throw new Error(`not a capture id: ${capture.id}`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(image, jpeg);
    this.#writeRecord(capture);
  }

  /** One capture, or null when there is none with that id (or its file is damaged). */
  get(id: string): Capture | null {
    if (!CAPTURE_ID_PATTERN.test(id)) return null;
    return this.#read(join(this.dir, `${id}.json`));
  }

  /** Every readable capture, newest first. */
  list(): Capture[] {
    return this.#ids()
      .map((id) => this.#read(join(this.dir, `${id}.json`)))
      .filter((c): c is Capture => c !== null)
      .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : b.id.localeCompare(a.id)));
  }

  /** Rewrites a capture's record (its JPEG never changes); null when it does not exist. */
  update(id: string, change: (c: Capture) => void): Capture | null {
    const capture = this.get(id);
    if (!capture) return null;
    change(capture);
    this.#writeRecord(capture);
    return capture;
  }

  /** Deletes a capture (record first, so a crash in between leaves an orphan JPEG that prune removes). */
  remove(id: string): boolean {
    if (!CAPTURE_ID_PATTERN.test(id)) return false;
    const record = join(this.dir, `${id}.json`);
    const existed = existsSync(record);
    rmSync(record, { force: true });
    rmSync(join(this.dir, `${id}.jpg`), { force: true });
    return existed;
  }

  /**
   * Keeps at most `max` captures, none older than `retentionDays`, and removes debris: JPEGs without a record
   * (a crash between the two writes) and unreadable records. Returns the ids removed.
   */
  prune(max: number, retentionDays: number, now = Date.now()): string[] {
    const removed: string[] = [];
    const limit = new Date(now - retentionDays * 86_400_000).toISOString();
    const kept: Capture[] = [];
    for (const id of this.#ids()) {
      const c = this.#read(join(this.dir, `${id}.json`));
      if (c === null || c.time < limit) {
        this.remove(id);
        removed.push(id);
      } else kept.push(c);
    }
    kept.sort((a, b) => (a.time < b.time ? 1 : -1));
    for (const c of kept.slice(max)) {
      this.remove(c.id);
      removed.push(c.id);
    }
    this.#removeOrphans(now);
    return removed;
  }

  #ids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -5))
      .filter((id) => CAPTURE_ID_PATTERN.test(id));
  }

  #read(path: string): Capture | null {
    let raw: StoredCapture;
    try {
      raw = JSON.parse(readFileSync(path, "utf8")) as StoredCapture;
    } catch {
      return null;
    }
    if (raw?.format !== CAPTURE_FORMAT || raw.version !== CAPTURE_VERSION) return null;
    try {
      const { format: _f, version: _v, dim, embedding, upper, ...rest } = raw;
      return {
        ...rest,
        rejected: Array.isArray(rest.rejected) ? rest.rejected : [],
        embedding: decodeVector(embedding, dim, `capture ${raw.id}`),
        upper: upper ? decodeVector(upper, dim, `capture ${raw.id} upper face`) : null,
      };
    } catch {
      return null;
    }
  }

  #writeRecord(capture: Capture): void {
    const { embedding, upper, ...rest } = capture;
    const stored: StoredCapture = {
      format: CAPTURE_FORMAT,
      version: CAPTURE_VERSION,
      ...rest,
      dim: embedding.length,
      embedding: encodeVector(embedding),
      upper: upper ? encodeVector(upper) : null,
    };
    writeFileAtomic(join(this.dir, `${capture.id}.json`), `${JSON.stringify(stored)}\n`);
  }

  /**
   * JPEGs whose record never came and temporary files of writers that died (kill -9 mid-write): older than a
   * minute, so a save in progress is never touched.
   */
  #removeOrphans(now: number): void {
    if (!existsSync(this.dir)) return;
    for (const f of readdirSync(this.dir)) {
      const path = join(this.dir, f);
      const orphan = f.endsWith(".jpg") && !existsSync(`${path.slice(0, -4)}.json`);
      if (!orphan && !(f.startsWith(".") && f.endsWith(".tmp"))) continue;
      try {
        if (now - statSync(path).mtimeMs > 60_000) rmSync(path, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }
}

/** Whether a capture names this person anywhere (forget removes such captures). */
export function captureNames(c: Capture, name: string): boolean {
  const same = (n: string | null) => n !== null && n.normalize("NFC") === name.normalize("NFC");
  return same(c.name) || same(c.decided_name) || c.rejected.some(same);
}
