import type { CaptureStats, CaptureStatus } from "../capture/types.ts";
import type { CameraStats } from "../events/types.ts";

/**
 * Counters of one camera's pipeline over the current stats window. The hot path only adds numbers;
 * `snapshot()` turns them into the published message and starts a new window.
 */
export class CameraStatsWindow {
  #since: number;
  #frames = 0;
  #detections = 0;
  #faces = 0;
  #detectMsSum = 0;
  #eventLatencySum = 0;
  #eventLatencyMax = 0;
  #events = 0;
  #dropsAtStart = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.#since = now();
  }

  frame(): void {
    this.#frames++;
  }

  detection(ms: number, faces: number): void {
    this.#detections++;
    this.#detectMsSum += ms;
    this.#faces += faces;
  }

  /** Time from the frame's arrival to its event being handed to the bus. */
  event(latencyMs: number): void {
    this.#events++;
    this.#eventLatencySum += latencyMs;
    this.#eventLatencyMax = Math.max(this.#eventLatencyMax, latencyMs);
  }

  snapshot(capture: CaptureStats, status: CaptureStatus, tracks: number): CameraStats {
    const now = this.now();
    const seconds = Math.max(0.001, (now - this.#since) / 1000);
    const r1 = (v: number) => Math.round(v * 10) / 10;
    const stats: CameraStats = {
      fps: r1(this.#frames / seconds),
      fps_in: r1(capture.fpsIn),
      fps_detect: r1(this.#detections / seconds),
      frames: this.#frames,
      faces: this.#faces,
      drops: capture.drops - this.#dropsAtStart,
      drops_total: capture.drops,
      detection_ms: this.#detections ? r1(this.#detectMsSum / this.#detections) : null,
      event_latency_ms: this.#events ? r1(this.#eventLatencySum / this.#events) : null,
      event_latency_max_ms: this.#events ? r1(this.#eventLatencyMax) : null,
      events: this.#events,
      tracks,
      state: status.state,
      restarts: capture.restarts,
      window_s: r1(seconds),
      timestamp: new Date(now).toISOString(),
    };
    this.#since = now;
    this.#frames = 0;
    this.#detections = 0;
    this.#faces = 0;
    this.#detectMsSum = 0;
    this.#eventLatencySum = 0;
    this.#eventLatencyMax = 0;
    this.#events = 0;
    this.#dropsAtStart = capture.drops;
    return stats;
  }
}
