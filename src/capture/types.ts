/** Packed 8-bit RGB pixels, row-major, 3 bytes per pixel. The one image currency of the house: frames, photos, crops. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** One decoded camera frame. `image` is owned by the consumer once `nextFrame()` hands it over. */
export interface Frame {
  readonly camera: string;
  /** Monotonic per source, across restarts of the underlying process. */
  readonly seq: number;
  /** Wall-clock time (ms since epoch) at which the last byte of the frame arrived. */
  readonly timestamp: number;
  readonly image: RgbImage;
}

export type CaptureState = "starting" | "running" | "stalled" | "restarting" | "stopped";

/** Published on every state change; the daemon forwards it (e.g. to MQTT). */
export interface CaptureStatus {
  readonly camera: string;
  readonly state: CaptureState;
  /** Why the state changed, human-readable (exit code, last ffmpeg error line, ...). */
  readonly reason: string;
  /** Restarts since start(). */
  readonly restarts: number;
  /** Delay before the next attempt, only for `restarting`. */
  readonly retryInMs?: number;
  readonly timestamp: number;
}

export interface CaptureStats {
  readonly framesIn: number;
  /** Frames overwritten in the mailbox before the consumer took them. */
  readonly drops: number;
  readonly restarts: number;
  /** Frames per second arriving from the camera, over the last few seconds. */
  readonly fpsIn: number;
}

export type StatusListener = (status: CaptureStatus) => void;

/** What the pipeline sees of a camera, whatever the source kind. */
export interface FrameSource {
  readonly camera: string;
  start(): Promise<void>;
  /** Reaps any child process within a bound; pending `nextFrame()` calls resolve with `null`. */
  stop(): Promise<void>;
  /**
   * Resolves with the newest frame not yet consumed (waits if there is none), or `null` once the source is stopped.
   * Frames that arrive while the consumer is busy replace the waiting one (counted as drops).
   */
  nextFrame(): Promise<Frame | null>;
  /** Optional: hand a consumed frame's buffer back for reuse. Never touch `frame.image.data` afterwards. */
  release(frame: Frame): void;
  readonly status: CaptureStatus;
  readonly stats: CaptureStats;
  /** Returns an unsubscribe function. */
  onStatus(listener: StatusListener): () => void;
}

/** Pino-compatible subset; pass `pino()` or a child of it. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface BackoffOptions {
  /** First retry delay. Default 500 ms. */
  initialMs?: number;
  /** Cap. Default 30 000 ms. */
  maxMs?: number;
  /** A run that stayed healthy this long resets the delay to `initialMs`. Default 60 s. */
  resetAfterS?: number;
}

/** Options every source kind shares. */
export interface CaptureCommonOptions {
  /** Camera name, used in frames, status events and track ids (e.g. "door"). */
  camera: string;
  /** Output frame size; the picture is letterboxed into it (aspect kept). Default 640×480. */
  width?: number;
  height?: number;
  /** Output frame rate; omitted = the source's own rate. */
  fps?: number;
  /** No frame for this long → the source is considered stalled and restarted. Default 10 s. */
  stallTimeoutS?: number;
  backoff?: BackoffOptions;
  /** Time between SIGTERM and SIGKILL when stopping a child. Default 2000 ms. */
  killTimeoutMs?: number;
}

export type SourceSpec =
  | {
      kind: "v4l2";
      /** e.g. /dev/video0 */
      device: string;
      /** ffmpeg -input_format, e.g. "mjpeg" or "yuyv422". */
      inputFormat?: string;
      /** Camera mode to ask for; default the output width×height / fps. */
      videoSize?: string;
      framerate?: number;
    }
  | { kind: "rtsp"; url: string; transport?: "tcp" | "udp" }
  | {
      kind: "http";
      /** MJPEG stream or HLS playlist (http:// or https://). */
      url: string;
      /** ffmpeg input format when it cannot be probed, e.g. "mjpeg". */
      inputFormat?: string;
    }
  | {
      kind: "file";
      path: string;
      /** Start again at the end (-stream_loop -1). Default false: the end of the file is a camera failure. */
      loop?: boolean;
      /** Read at the file's native rate (-re) so it behaves like a camera. Default true; false = as fast as possible. */
      realtime?: boolean;
    }
  | {
      kind: "folder";
      /** A folder of .jpg/.jpeg/.png/.webp images, shown in name order. */
      path: string;
      /** How long each image is shown. Default 1 s. */
      secondsPerImage?: number;
      /** Start again after the last image. Default true. */
      loop?: boolean;
    }
  | {
      kind: "still";
      /** argv of a command that writes one JPEG (or PNG) to stdout, e.g. ["libcamera-still", "-n", "-o", "-"]. */
      command: readonly string[];
      /** Time between the start of two captures. Default 1000 ms. */
      intervalMs?: number;
      /** A capture that takes longer is killed and counted as a failure. Default 10 000 ms. */
      commandTimeoutMs?: number;
    };

export type SourceKind = SourceSpec["kind"];
