import { type ChildProcess, spawn } from "node:child_process";
import { StderrTail, terminate } from "./child-process.ts";
import { buildFfmpegArgs, type FfmpegSpec, redact } from "./ffmpeg-args.ts";
import { CaptureSourceBase } from "./source-base.ts";
import type { CaptureCommonOptions, Logger } from "./types.ts";

export interface FfmpegSourceOptions extends CaptureCommonOptions {
  source: FfmpegSpec;
  /** Default "ffmpeg" from PATH. */
  ffmpegPath?: string;
}

/**
 * One ffmpeg child per camera, writing raw rgb24 frames to its stdout. Supervised: an exit or a stall (no frame for
 * `stallTimeoutS`) kills the child and starts a new one after an exponential backoff. Camera failures never throw;
 * they show in `status` and status events.
 */
export class FfmpegSource extends CaptureSourceBase {
  #child: ChildProcess | null = null;
  #running = false;
  #restartTimer: NodeJS.Timeout | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #stderr = new StderrTail();
  /** Why we killed the current child ourselves (stall), reported instead of its exit code. */
  #killReason: string | null = null;
  #runStartedAt = 0;
  #runFirstFrameAt = 0;
  #lastFrameAt = 0;
  #current: Uint8Array | null = null;
  #filled = 0;
  #exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly ffmpegOptions: FfmpegSourceOptions,
    logger: Logger,
  ) {
    super(ffmpegOptions, logger);
  }

  /** The argv ffmpeg is started with (for logs and tests). Throws CaptureConfigError for a config that cannot work. */
  get args(): string[] {
    return buildFfmpegArgs(this.camera, this.ffmpegOptions.source, {
      width: this.width,
      height: this.height,
      fps: this.ffmpegOptions.fps,
    });
  }

  /** Pid of the current ffmpeg child, if one is running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const args = this.args; // a config error is the caller's to fix: throw it now, before any child exists
    this.#running = true;
    this.mailbox.open();
    this.backoff.reset();
    const checkEveryMs = Math.max(50, Math.min(1000, this.stallTimeoutMs / 4));
    this.#watchdog = setInterval(() => this.#checkStall(), checkEveryMs);
    this.#watchdog.unref();
    this.#spawn(args);
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#restartTimer = null;
    this.#watchdog = null;
    const child = this.#child;
    if (child) {
      const reaped = await terminate(child, this.killTimeoutMs);
      if (!reaped) this.log.error({ pid: child.pid }, "ffmpeg did not exit even after SIGKILL");
      await this.#exited;
    }
    this.mailbox.close();
    this.setStatus("stopped", "stopped");
  }

  #spawn(args: string[]): void {
    this.#restartTimer = null;
    if (!this.#running) return;
    this.#stderr.clear();
    this.#killReason = null;
    this.#current = null;
    this.#filled = 0;
    this.#runStartedAt = Date.now();
    this.#runFirstFrameAt = 0;
    this.setStatus(
      "starting",
      `spawning ${this.ffmpegOptions.ffmpegPath ?? "ffmpeg"} (${describe(this.ffmpegOptions.source)})`,
    );
    this.log.debug({ args: args.map(redact) }, "ffmpeg args");
    const child = spawn(this.ffmpegOptions.ffmpegPath ?? "ffmpeg", args, {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    let resolveExited = () => {};
    this.#exited = new Promise((resolve) => {
      resolveExited = resolve;
    });
    let spawnError: Error | null = null;
    child.stdout?.on("data", (chunk: Buffer) => {
      if (this.#child === child) this.#onData(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => this.#stderr.push(chunk));
    // A pipe error (EPIPE after a kill) must not become an uncaught exception; "close" reports the end.
    child.stdout?.on("error", () => {});
    child.stderr?.on("error", () => {});
    child.on("error", (err) => {
      spawnError = err;
    });
    // "close" comes after "exit" and after stdout is drained, so no frame bytes arrive after it.
    child.on("close", (code, signal) => {
      resolveExited();
      this.#onExit(child, code, signal, spawnError);
    });
  }

  #onData(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.#current) this.#current = this.acquireBuffer();
      const n = Math.min(chunk.length - offset, this.frameBytes - this.#filled);
      this.#current.set(chunk.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.frameBytes) {
        const now = Date.now();
        const frame = this.#current;
        this.#current = null;
        this.#filled = 0;
        this.#lastFrameAt = now;
        if (this.#runFirstFrameAt === 0) {
          this.#runFirstFrameAt = now;
          this.publish(frame, now);
          this.setStatus("running", "frames arriving");
        } else {
          this.publish(frame, now);
        }
      }
    }
  }

  #onExit(
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    spawnError: Error | null,
  ): void {
    if (this.#child !== child) return;
    this.#child = null;
    if (!this.#running) return;
    const now = Date.now();
    const reason =
      this.#killReason ??
      (spawnError
        ? `cannot start ffmpeg: ${spawnError.message}`
        : `ffmpeg exited (${signal ? `signal ${signal}` : `code ${code}`})${this.#lastError()}`);
    const healthyForMs = this.#runFirstFrameAt ? now - this.#runFirstFrameAt : 0;
    const delay = this.backoff.next(healthyForMs);
    this.countRestart();
    this.setStatus("restarting", reason, delay);
    const args = this.args;
    this.#restartTimer = setTimeout(() => this.#spawn(args), delay);
  }

  #checkStall(): void {
    const child = this.#child;
    if (!child || this.#killReason) return;
    const since = this.#runFirstFrameAt ? this.#lastFrameAt : this.#runStartedAt;
    const silentMs = Date.now() - since;
    if (silentMs < this.stallTimeoutMs) return;
    const what = this.#runFirstFrameAt ? "no frame" : "no first frame";
    this.#killReason = `stalled: ${what} for ${(silentMs / 1000).toFixed(1)} s${this.#lastError()}`;
    this.setStatus("stalled", this.#killReason);
    void terminate(child, this.killTimeoutMs).then((reaped) => {
      if (!reaped) this.log.error({ pid: child.pid }, "stalled ffmpeg did not exit even after SIGKILL");
    });
  }

  #lastError(): string {
    const line = this.#stderr.last();
    return line ? `: ${redact(line)}` : "";
  }
}

function describe(source: FfmpegSpec): string {
  switch (source.kind) {
    case "v4l2":
      return `v4l2 ${source.device}`;
    case "rtsp":
    case "http":
      return `${source.kind} ${redact(source.url)}`;
    case "file":
      return `file ${source.path}${source.loop ? " (loop)" : ""}`;
  }
}
