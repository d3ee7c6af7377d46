/**
 * Whether the cameras are really producing frames. The daemon pets the systemd watchdog only while
 * `isHealthy()` holds, so a wedged capture (a USB camera that stopped delivering) ends in a restart
 * instead of a process that looks alive and sees nothing.
 */

export interface CameraHealth {
  camera: string;
  /** Wall-clock ms of the last frame, or null before the first. */
  lastFrameAt: number | null;
  /** Frames per second over the recent window. */
  fps: number;
  frames: number;
  /** True when a frame arrived within the camera's stall timeout. */
  live: boolean;
}

interface CameraState {
  stallTimeoutMs: number;
  lastFrameAt: number | null;
  frames: number;
  /** Recent frame times (ms), for fps; bounded so memory does not grow with uptime. */
  recent: number[];
}

const FPS_WINDOW_MS = 5000;
const MAX_RECENT = 600;

export class HealthMonitor {
  private readonly cameras = new Map<string, CameraState>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Registers a camera; a camera that never delivers a frame is not live. */
  addCamera(camera: string, stallTimeoutS: number): void {
    this.cameras.set(camera, {
      stallTimeoutMs: stallTimeoutS * 1000,
      lastFrameAt: null,
      frames: 0,
      recent: [],
    });
  }

  removeCamera(camera: string): void {
    this.cameras.delete(camera);
  }

  /** Called by the pipeline for each frame that really arrived from the camera. */
  recordFrame(camera: string, at: number = this.now()): void {
    const state = this.cameras.get(camera);
    if (!state) return;
    state.lastFrameAt = at;
    state.frames += 1;
    state.recent.push(at);
    if (state.recent.length > MAX_RECENT) state.recent.shift();
  }

  camera(camera: string): CameraHealth | undefined {
    const state = this.cameras.get(camera);
    if (!state) return undefined;
    const now = this.now();
    while (state.recent.length > 0 && now - state.recent[0] > FPS_WINDOW_MS) state.recent.shift();
    const span = state.recent.length > 1 ? state.recent[state.recent.length - 1] - state.recent[0] : 0;
    const fps = span > 0 ? ((state.recent.length - 1) * 1000) / span : 0;
    const live = state.lastFrameAt !== null && now - state.lastFrameAt <= state.stallTimeoutMs;
    return { camera, lastFrameAt: state.lastFrameAt, fps, frames: state.frames, live };
  }

  all(): CameraHealth[] {
    return [...this.cameras.keys()].map((name) => this.camera(name) as CameraHealth);
  }

  /** True when there is at least one camera and every camera is live. */
  isHealthy(): boolean {
    const all = this.all();
    return all.length > 0 && all.every((c) => c.live);
  }
}
