import { type FSWatcher, mkdirSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "./logger.ts";

export interface FileWatcherOptions {
  /** The watched file (the gallery, the model store's `current.json`). */
  path: string;
  /** What the file is, for the log ("gallery", "model store pointer"). */
  what: string;
  onChange: () => void;
  logger: Logger;
  /** Events within this window are one change. Default 500 ms. */
  debounceMs?: number;
}

/**
 * Calls `onChange` when one file is replaced or edited. The folder is watched, not the file: facegate writes
 * atomically (temporary file renamed over the old one), which a watch on the old file's inode would miss.
 * Events come in bursts (create, rename, fsync), so they are debounced into one call.
 */
export class FileWatcher {
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  readonly #options: FileWatcherOptions;

  constructor(options: FileWatcherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { path, what, logger } = this.#options;
    const dir = dirname(path);
    const name = basename(path);
    try {
      // The file's folder is facegate's state folder: made here so that a file written later is noticed.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.#watcher = watch(dir, (_event, file) => {
        if (file !== null && file !== name) return;
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#options.onChange();
        }, this.#options.debounceMs ?? 500);
      });
      this.#watcher.on("error", (err) => logger.warn({ dir, err: err.message }, `${what} watch failed`));
    } catch (err) {
      logger.warn(
        { dir, err: (err as Error).message },
        `cannot watch the ${what} folder; reload with SIGHUP or the MQTT reload command`,
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
