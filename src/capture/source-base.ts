import { GcNudge } from "../system/gc-nudge.ts";
import { Backoff } from "./backoff.ts";
import { FpsMeter } from "./fps-meter.ts";
import { FrameMailbox } from "./frame-mailbox.ts";
import type {
  CaptureCommonOptions,
  CaptureState,
  CaptureStats,
  CaptureStatus,
  Frame,
  FrameSource,
  Logger,
  StatusListener,
} from "./types.ts";

export const DEFAULT_WIDTH = 640;
export const DEFAULT_HEIGHT = 480;
export const DEFAULT_STALL_TIMEOUT_S = 10;
export const DEFAULT_KILL_TIMEOUT_MS = 2000;

/**
 * What every source kind shares: the newest-frame mailbox, counters, status events. Subclasses only produce bytes
 * (`acquireBuffer` → fill → `publish`) and report state changes (`setStatus`).
 */
export abstract class CaptureSourceBase implements FrameSource {
  readonly camera: string;
  readonly width: number;
  readonly height: number;
  protected readonly frameBytes: number;
  protected readonly stallTimeoutMs: number;
  protected readonly killTimeoutMs: number;
  protected readonly backoff: Backoff;
  protected readonly log: Logger;
  protected readonly mailbox: FrameMailbox;
  readonly #fps = new FpsMeter();
  readonly #listeners = new Set<StatusListener>();
  /** Each frame's bytes arrived in short-lived buffers (ffmpeg pipe chunks, decoded stills): free them promptly. */
  readonly #gc = new GcNudge();
  #status: CaptureStatus;
  #framesIn = 0;
  #restarts = 0;
  #seq = 0;

  constructor(
    protected readonly options: CaptureCommonOptions,
    logger: Logger,
  ) {
    this.camera = options.camera;
    this.width = options.width ?? DEFAULT_WIDTH;
    this.height = options.height ?? DEFAULT_HEIGHT;
    this.frameBytes = this.width * this.height * 3;
    this.stallTimeoutMs = (options.stallTimeoutS ?? DEFAULT_STALL_TIMEOUT_S) * 1000;
    this.killTimeoutMs = options.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS;
    this.backoff = new Backoff(options.backoff);
    // The caller tags its logger with the camera (the daemon does); this adds which part speaks.
    this.log = logger.child({ part: "capture" });
    this.mailbox = new FrameMailbox(this.frameBytes);
    this.#status = {
      camera: options.camera,
      state: "stopped",
      reason: "not started",
      restarts: 0,
      timestamp: Date.now(),
    };
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  nextFrame(): Promise<Frame | null> {
    return this.mailbox.take();
  }

  release(frame: Frame): void {
    this.mailbox.recycle(frame.image.data);
  }

  get status(): CaptureStatus {
    return this.#status;
  }

  get stats(): CaptureStats {
    return {
      framesIn: this.#framesIn,
      drops: this.mailbox.drops,
      restarts: this.#restarts,
      fpsIn: this.#fps.fps(),
    };
  }

  onStatus(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected get restarts(): number {
    return this.#restarts;
  }

  protected countRestart(): void {
    this.#restarts++;
  }

  protected acquireBuffer(): Uint8Array {
    return this.mailbox.acquire();
  }

  /** Hands a filled buffer (width×height×3 bytes) to the mailbox as the newest frame. */
  protected publish(data: Uint8Array, timestamp: number = Date.now()): void {
    this.#framesIn++;
    this.#fps.tick(timestamp);
    this.#gc.allocated(data.byteLength);
    this.mailbox.put({
      camera: this.camera,
      seq: ++this.#seq,
      timestamp,
      image: { data, width: this.width, height: this.height },
    });
  }

  /** Records and announces a state change; a listener that throws cannot break the source. */
  protected setStatus(state: CaptureState, reason: string, retryInMs?: number): void {
    this.#status = {
      camera: this.camera,
      state,
      reason,
      restarts: this.#restarts,
      ...(retryInMs === undefined ? {} : { retryInMs }),
      timestamp: Date.now(),
    };
    const level = state === "restarting" || state === "stalled" ? "warn" : "info";
    this.log[level]({ state, reason, restarts: this.#restarts, retryInMs }, `camera ${state}`);
    for (const listener of this.#listeners) {
      try {
        listener(this.#status);
      } catch (err) {
        this.log.error({ err }, "capture status listener threw");
      }
    }
  }
}
