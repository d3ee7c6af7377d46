import { readdir } from "node:fs/promises";
import { extname, join } from "node:path";
import { decodeIntoFrame, shortMessage } from "./decode-into-frame.ts";
import { Sleeper } from "./sleeper.ts";
import { CaptureSourceBase } from "./source-base.ts";
import type { CaptureCommonOptions, Logger, SourceSpec } from "./types.ts";

export type FolderSpec = Extract<SourceSpec, { kind: "folder" }>;

export interface ImageFolderSourceOptions extends CaptureCommonOptions {
  source: FolderSpec;
}

const IMAGE_EXTENSIONS = new Set([".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"]);
/** A slideshow has no natural rate; 5 fps is enough for tracking and cheap. */
const DEFAULT_FOLDER_FPS = 5;

/**
 * A slideshow of the images in a folder (name order), each shown for `secondsPerImage` at `fps`, decoded in-process
 * with sharp (no child process). The folder is listed again on every pass, so images added later are picked up.
 * A missing or empty folder is a camera failure: reported, retried with backoff.
 */
export class ImageFolderSource extends CaptureSourceBase {
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #sleeper = new Sleeper();
  /** Decoded image currently shown; copied into a pooled buffer per frame, since consumers own their frames. */
  #shown: Uint8Array | null = null;

  constructor(
    private readonly folderOptions: ImageFolderSourceOptions,
    logger: Logger,
  ) {
    super(folderOptions, logger);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.mailbox.open();
    this.backoff.reset();
    this.setStatus("starting", `reading folder ${this.folderOptions.source.path}`);
    this.#loop = this.#run().catch((err) => this.log.error({ err }, "image folder loop failed"));
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#sleeper.wake();
    await this.#loop;
    this.mailbox.close();
    this.setStatus("stopped", "stopped");
  }

  async #run(): Promise<void> {
    const { path, secondsPerImage = 1, loop = true } = this.folderOptions.source;
    const fps = this.folderOptions.fps ?? DEFAULT_FOLDER_FPS;
    const frameMs = 1000 / fps;
    const framesPerImage = Math.max(1, Math.round(secondsPerImage * fps));
    while (this.#running) {
      let shown = 0;
      let failure = "";
      let files: string[] = [];
      try {
        files = await listImages(path);
        if (files.length === 0) failure = `folder ${path} has no images`;
      } catch (err) {
        failure = `cannot read folder ${path}: ${shortMessage(err)}`;
      }
      for (const file of files) {
        if (!this.#running) return;
        this.#shown ??= new Uint8Array(this.frameBytes);
        try {
          await decodeIntoFrame(join(path, file), this.width, this.height, this.#shown);
        } catch (err) {
          this.log.warn({ file, err: shortMessage(err) }, "skipping unreadable image");
          failure = `no readable image in ${path} (last: ${file}: ${shortMessage(err)})`;
          continue;
        }
        for (let i = 0; i < framesPerImage && this.#running; i++) {
          const buffer = this.acquireBuffer();
          buffer.set(this.#shown);
          this.publish(buffer);
          if (this.status.state !== "running") this.setStatus("running", "frames arriving");
          shown++;
          await this.#sleeper.sleep(frameMs);
        }
      }
      if (!this.#running) return;
      if (shown === 0) {
        const delay = this.backoff.next(0);
        this.countRestart();
        this.setStatus("restarting", failure, delay);
        await this.#sleeper.sleep(delay);
        continue;
      }
      this.backoff.reset(); // a pass that showed images ends the failure series
      if (!loop) {
        this.#running = false;
        this.mailbox.close();
        this.setStatus("stopped", "end of folder");
        return;
      }
    }
  }
}

async function listImages(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}
