import type { CaptureStatus } from "../capture/types.ts";
import type { CameraStats, FaceEvent } from "../events/types.ts";
import type { FaceEventMessage, FrameMessage, PipelineBus } from "../pipeline/bus.ts";
import type { Box, RgbImage } from "../vision/types.ts";

/** A frame copied out of the pipeline, with what was known about its faces then; its JPEG made once, on demand. */
interface HeldFrame {
  image: RgbImage;
  timestamp: number;
  faces: { box: Box; label: string; state: "identified" | "unknown" | "deciding" }[];
  jpeg: Promise<Buffer> | null;
}

interface CameraView {
  frame: HeldFrame | null;
  lastCopy: number;
  /** Frame arrival times over the last few seconds (the live fps). */
  arrivals: number[];
  state: CaptureStatus["state"] | "unknown";
  reason: string | null;
  stats: CameraStats | null;
}

/** Copies per second while someone watches (a stream, or latest.jpg asked for lately), and while nobody does. */
const WATCHED_INTERVAL_MS = 200;
const IDLE_INTERVAL_MS = 1000;
const WATCH_GRACE_MS = 10_000;
const FPS_WINDOW_MS = 5000;

const COLOURS = { identified: "#2ecc71", unknown: "#f39c12", deciding: "#bdc3c7" } as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The boxes and names as an SVG the size of the frame (sharp composites it over the pixels). */
export function overlaySvg(width: number, height: number, faces: HeldFrame["faces"]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 240));
  const font = Math.max(12, Math.round(height / 30));
  const parts = faces.map(({ box, label, state }) => {
    const [x, y, w, h] = box.map((v) => Math.round(v));
    const colour = COLOURS[state];
    const ty = y - stroke * 2 > font ? y - stroke * 2 : y + h + font;
    return (
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<text x="${x}" y="${ty}" font-family="sans-serif" font-size="${font}" fill="${colour}" stroke="#000" ` +
      `stroke-width="${Math.max(1, stroke / 2)}" paint-order="stroke">${escapeXml(label)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join("")}</svg>`;
}

/**
 * What the page shows of the cameras: each camera's newest frame (copied from the bus at most 5 times a second
 * while watched, once a second otherwise) with its faces' boxes and names, its capture state, live fps and the
 * last stats message. Names come from the same face events MQTT publishes, by track id.
 */
export class LiveView {
  readonly #views = new Map<string, CameraView>();
  readonly #decided = new Map<string, { name: string | null; type: FaceEvent["type"] }>();
  readonly #off: Array<() => void> = [];
  #watchers = 0;
  #watchedUntil = 0;

  constructor(
    private readonly bus: PipelineBus,
    cameras: readonly string[],
  ) {
    for (const camera of cameras) this.#views.set(camera, this.#empty());
  }

  get cameras(): string[] {
    return [...this.#views.keys()];
  }

  start(): void {
    const onFrame = (m: FrameMessage) => this.#onFrame(m);
    const onFace = (m: FaceEventMessage) => this.#onFace(m.event);
    const onStatus = (s: CaptureStatus) => {
      const view = this.#view(s.camera);
      view.state = s.state;
      view.reason = s.reason ?? null;
    };
    const onStats = (camera: string, stats: CameraStats) => {
      this.#view(camera).stats = stats;
    };
    this.bus.on("frame", onFrame).on("face", onFace).on("camera_status", onStatus).on("stats", onStats);
    this.#off.push(() =>
      this.bus.off("frame", onFrame).off("face", onFace).off("camera_status", onStatus).off("stats", onStats),
    );
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }

  /** A stream started: frames are copied at the watched rate until `unwatch`. */
  watch(): void {
    this.#watchers++;
  }

  unwatch(): void {
    this.#watchers = Math.max(0, this.#watchers - 1);
    this.#watchedUntil = Date.now() + WATCH_GRACE_MS;
  }

  status(camera: string): {
    name: string;
    state: string;
    reason: string | null;
    fps: number;
    last_frame: string | null;
    stats: CameraStats | null;
  } | null {
    const view = this.#views.get(camera);
    if (!view) return null;
    const now = Date.now();
    const recent = view.arrivals.filter((t) => now - t <= FPS_WINDOW_MS);
    return {
      name: camera,
      state: view.state,
      reason: view.reason,
      fps: Math.round((recent.length / (FPS_WINDOW_MS / 1000)) * 10) / 10,
      last_frame: view.frame ? new Date(view.frame.timestamp).toISOString() : null,
      stats: view.stats,
    };
  }

  /** The newest frame as JPEG with boxes and names; null before the first frame. Marks the camera as watched. */
  jpeg(camera: string): Promise<Buffer> | null {
    this.#watchedUntil = Date.now() + WATCH_GRACE_MS;
    const frame = this.#views.get(camera)?.frame;
    if (!frame) return null;
    frame.jpeg ??= render(frame);
    return frame.jpeg;
  }

  /** Timestamp of the newest frame held (a stream sends a part only when it changed). */
  frameTime(camera: string): number | null {
    return this.#views.get(camera)?.frame?.timestamp ?? null;
  }

  #onFrame({ camera, image, timestamp, tracks }: FrameMessage): void {
    const view = this.#view(camera);
    const now = Date.now();
    view.arrivals.push(now);
    while (view.arrivals.length > 0 && now - view.arrivals[0] > FPS_WINDOW_MS) view.arrivals.shift();
    const watched = this.#watchers > 0 || now < this.#watchedUntil;
    if (now - view.lastCopy < (watched ? WATCHED_INTERVAL_MS : IDLE_INTERVAL_MS)) return;
    view.lastCopy = now;
    view.frame = {
      // The pipeline lends its buffer only for this call.
      image: { width: image.width, height: image.height, data: Uint8Array.from(image.data) },
      timestamp,
      faces: tracks.map(({ track_id, box }) => {
        const d = this.#decided.get(track_id);
        if (!d) return { box, label: "…", state: "deciding" as const };
        return d.name === null
          ? { box, label: "unknown", state: "unknown" as const }
          : { box, label: d.name, state: "identified" as const };
      }),
      jpeg: null,
    };
  }

  #onFace(event: FaceEvent): void {
    if (event.type === "left") this.#decided.delete(event.track_id);
    else this.#decided.set(event.track_id, { name: event.name, type: event.type });
  }

  #view(camera: string): CameraView {
    let view = this.#views.get(camera);
    if (!view) {
      view = this.#empty();
      this.#views.set(camera, view);
    }
    return view;
  }

  #empty(): CameraView {
    return { frame: null, lastCopy: 0, arrivals: [], state: "unknown", reason: null, stats: null };
  }
}

async function render(frame: HeldFrame): Promise<Buffer> {
  const { width, height, data } = frame.image;
  const svg = overlaySvg(width, height, frame.faces);
  // Loaded when the page first shows a frame: the daemon's main thread needs sharp for nothing else (~7 MB).
  const { default: sharp } = await import("sharp");
  return sharp(data, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 80 })
    .toBuffer();
}
