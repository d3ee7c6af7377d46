import { type FSWatcher, mkdirSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "../system/logger.ts";

/**
 * Calls `onChange` when the gallery file is replaced or edited. The folder is watched, not the file: enroll
 * writes atomically (temporary file renamed over the gallery), which a watch on the old file's inode would
 * miss. Events come in bursts (create, rename, fsync), so they are debounced into one call.
 */
export class GalleryWatcher {
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly galleryPath: string,
    private readonly onChange: () => void,
    private readonly logger: Logger,
    private readonly debounceMs = 500,
  ) {}

  async start(): Promise<void> {
    const dir = dirname(this.galleryPath);
    const name = basename(this.galleryPath);
    try {
      // The gallery's folder is facegate's state folder: made here so enrolling later is noticed.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.#watcher = watch(dir, (_event, file) => {
        if (file !== null && file !== name) return;
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.onChange();
        }, this.debounceMs);
      });
      this.#watcher.on("error", (err) => this.logger.warn({ dir, err: err.message }, "gallery watch failed"));
    } catch (err) {
      this.logger.warn(
        { dir, err: (err as Error).message },
        "cannot watch the gallery folder; reload with SIGHUP or the MQTT reload command",
      );
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#watcher?.close();
    this.#watcher = null;
  }
}
