import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../system/logger.ts";
import { slug } from "../system/slug.ts";
import type { Box, RgbImage } from "../vision/types.ts";

/** Share of the face box added on each side, so the crop shows the head, not just the inner face. */
const MARGIN = 0.25;

/**
 * Copies the face (with a margin) out of a frame. Synchronous and small (a face, not a frame), so the frame's
 * buffer can go back to the capture pool right after; the JPEG encoding happens later, off the hot path.
 */
export function cropFace(image: RgbImage, box: Box, margin = MARGIN): RgbImage {
  const mx = box[2] * margin;
  const my = box[3] * margin;
  const x0 = Math.max(0, Math.floor(box[0] - mx));
  const y0 = Math.max(0, Math.floor(box[1] - my));
  const x1 = Math.min(image.width, Math.ceil(box[0] + box[2] + mx));
  const y1 = Math.min(image.height, Math.ceil(box[1] + box[3] + my));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height && y0 + y < image.height; y++) {
    const from = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data, width, height };
}

export async function encodeJpeg(image: RgbImage, quality = 85): Promise<Buffer> {
  // Loaded on first use: the daemon's main thread needs sharp only for snapshots (off by default), ~9 MB.
  const { default: sharp } = await import("sharp");
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * Keeps snapshots on disk when `snapshots.dir` is set: `<dir>/<camera>/<time>_<name>.jpg` (0600: faces are
 * biometric data), files older than `retention_days` removed at most once an hour.
 */
export class SnapshotStore {
  #lastPrune = 0;

  constructor(
    private readonly dir: string,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  async save(camera: string, name: string | null, timestamp: string, jpeg: Buffer): Promise<void> {
    const folder = join(this.dir, camera);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const file = `${timestamp.replace(/[:.]/g, "-")}_${name === null ? "unknown" : slug(name)}.jpg`;
    await writeFile(join(folder, file), jpeg, { mode: 0o600 });
    if (Date.now() - this.#lastPrune > 3_600_000) {
      this.#lastPrune = Date.now();
      await this.prune(folder);
    }
  }

  private async prune(folder: string): Promise<void> {
    const limit = Date.now() - this.retentionDays * 86_400_000;
    for (const entry of await readdir(folder)) {
      const path = join(folder, entry);
      try {
        if ((await stat(path)).mtimeMs < limit) await rm(path, { force: true });
      } catch (err) {
        this.logger.debug({ path, err: String(err) }, "snapshot prune skipped a file");
      }
    }
  }
}
