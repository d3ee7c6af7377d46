import { type ChildProcess, spawn } from "node:child_process";
import { StderrTail, terminate } from "./child-process.ts";
import { decodeIntoFrame, shortMessage } from "./decode-into-frame.ts";
import { CaptureConfigError, CaptureRunError } from "./errors.ts";
import { Sleeper } from "./sleeper.ts";
import { CaptureSourceBase } from "./source-base.ts";
import type { CaptureCommonOptions, Logger, SourceSpec } from "./types.ts";

export type StillSpec = Extract<SourceSpec, { kind: "still" }>;

export interface StillSourceOptions extends CaptureCommonOptions {
  source: StillSpec;
}

/** A still capture bigger than this is not a photo; the command is killed. */
const MAX_STILL_BYTES = 64 * 1024 * 1024;

/**
 * Fallback for cameras ffmpeg cannot open (e.g. the Pi camera stack): runs a command that writes one JPEG to stdout
 * (`fswebcam -q --jpeg 90 -`, `libcamera-still -n -o -`), every `intervalMs`, and decodes it with sharp.
 * A failing or hanging command (killed after `commandTimeoutMs`) is reported and retried with backoff.
 */
export class StillSource extends CaptureSourceBase {
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #child: ChildProcess | null = null;
  readonly #sleeper = new Sleeper();

  constructor(
    private readonly stillOptions: StillSourceOptions,
    logger: Logger,
  ) {
    super(stillOptions, logger);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    if (this.stillOptions.source.command.length === 0 || !this.stillOptions.source.command[0]) {
      throw new CaptureConfigError(this.camera, "still source needs a command");
    }
    this.#running = true;
    this.mailbox.open();
    this.backoff.reset();
    this.setStatus("starting", `running ${this.stillOptions.source.command[0]}`);
    this.#loop = this.#run().catch((err) => this.log.error({ err }, "still capture loop failed"));
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#sleeper.wake();
    const child = this.#child;
    if (child) await terminate(child, this.killTimeoutMs);
    await this.#loop;
    this.mailbox.close();
    this.setStatus("stopped", "stopped");
  }

  async #run(): Promise<void> {
    const { intervalMs = 1000 } = this.stillOptions.source;
    while (this.#running) {
      const started = Date.now();
      let waitMs: number;
      try {
        const bytes = await this.#capture();
        const buffer = this.acquireBuffer();
        try {
          await decodeIntoFrame(bytes, this.width, this.height, buffer);
        } catch (err) {
          this.mailbox.recycle(buffer);
          throw new CaptureRunError(this.camera, `cannot decode the captured image: ${shortMessage(err)}`);
        }
        if (!this.#running) return;
        this.publish(buffer);
        this.backoff.reset();
        if (this.status.state !== "running") this.setStatus("running", "frames arriving");
        waitMs = intervalMs - (Date.now() - started);
      } catch (err) {
        if (!this.#running) return;
        const delay = this.backoff.next(0);
        this.countRestart();
        const reason = err instanceof CaptureRunError ? err.reason : shortMessage(err);
        this.setStatus("restarting", reason, delay);
        waitMs = Math.max(delay, intervalMs - (Date.now() - started));
      }
      await this.#sleeper.sleep(waitMs);
    }
  }

  /** Runs the command once; resolves with its stdout, or rejects with a CaptureRunError saying why not. */
  #capture(): Promise<Buffer> {
    const { command, commandTimeoutMs = 10_000 } = this.stillOptions.source;
    return new Promise((resolve, reject) => {
      const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
      this.#child = child;
      const chunks: Buffer[] = [];
      const stderr = new StderrTail();
      let bytes = 0;
      let failure: string | null = null;
      const kill = (why: string) => {
        failure ??= why;
        void terminate(child, this.killTimeoutMs);
      };
      const timer = setTimeout(
        () => kill(`capture command timed out after ${commandTimeoutMs} ms`),
        commandTimeoutMs,
      );
      child.stdout?.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_STILL_BYTES) kill(`capture command wrote more than ${MAX_STILL_BYTES} bytes`);
        else chunks.push(chunk);
      });
      child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.stdout?.on("error", () => {});
      child.stderr?.on("error", () => {});
      child.on("error", (err) => {
        failure ??= `cannot run ${command[0]}: ${err.message}`;
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (this.#child === child) this.#child = null;
        const tail = stderr.last();
        if (!failure && code !== 0)
          failure = `capture command exited (${signal ? `signal ${signal}` : `code ${code}`})`;
        if (!failure && bytes === 0) failure = "capture command wrote nothing";
        if (failure) reject(new CaptureRunError(this.camera, tail ? `${failure}: ${tail}` : failure));
        else resolve(Buffer.concat(chunks, bytes));
      });
    });
  }
}
