import type { CaptureState, CaptureStatus } from "../capture/types.ts";
import type { CameraStats } from "../events/types.ts";
import type { FaceEventMessage, PipelineBus, ReloadOutcome } from "../pipeline/bus.ts";
import { encodeJpeg, type SnapshotStore } from "../pipeline/snapshot.ts";
import type { Logger } from "../system/logger.ts";
import type { ErrorTopic } from "./error-topic.ts";
import type { PresenceTracker } from "./presence.ts";
import type { MqttPublisher } from "./publisher.ts";
import { type CameraState, messages } from "./topics.ts";

export interface MqttBridgeOptions {
  bus: PipelineBus;
  publisher: MqttPublisher;
  presence: PresenceTracker;
  /** `<prefix>/error`, shared with the other parts that report there. */
  errors: ErrorTopic;
  logger: Logger;
  /** Publish JPEG crops on `<prefix>/<camera>/snapshot` (snapshots.enabled). */
  snapshots: boolean;
  /** Also keep them on disk (snapshots.dir). */
  store: SnapshotStore | null;
}

/** Capture states as the retained `<prefix>/<camera>/status` says them; `starting` says nothing new. */
const CAMERA_STATE: Record<CaptureState, CameraState | null> = {
  starting: null,
  running: "online",
  stalled: "stalled",
  restarting: "stalled",
  stopped: "offline",
};

/**
 * The extension that turns pipeline events into MQTT: face events (+ last_identified), presence, stats,
 * camera status, snapshots and reload errors. Listens on the bus only; nothing in the pipeline knows MQTT.
 */
export class MqttBridge {
  readonly #off: Array<() => void> = [];

  constructor(private readonly options: MqttBridgeOptions) {}

  async start(): Promise<void> {
    const { bus } = this.options;
    const face = (m: FaceEventMessage) => this.onFace(m);
    const stats = (camera: string, s: CameraStats) => this.onStats(camera, s);
    const status = (s: CaptureStatus) => this.onCameraStatus(s);
    const reload = (r: ReloadOutcome) => this.onReload(r);
    bus.on("face", face).on("stats", stats).on("camera_status", status).on("reload", reload);
    this.#off.push(() =>
      bus.off("face", face).off("stats", stats).off("camera_status", status).off("reload", reload),
    );
  }

  async stop(): Promise<void> {
    for (const off of this.#off.splice(0)) off();
  }

  onFace({ event, crop, basis }: FaceEventMessage): void {
    const { publisher, presence, logger } = this.options;
    publisher.publishEvent(event);
    if (event.type === "identified" && event.name !== null) presence.seen(event.name, event.camera);
    logger.info(
      {
        camera: event.camera,
        track: event.track_id,
        person: event.name,
        score: event.score,
        masked: event.masked,
        faces: basis?.faces,
      },
      `face ${event.type}`,
    );
    if (crop && this.options.snapshots) {
      void encodeJpeg(crop)
        .then(async (jpeg) => {
          publisher.publish(messages.snapshot(publisher.topics, event.camera, jpeg));
          await this.options.store?.save(event.camera, event.name, event.timestamp, jpeg);
        })
        .catch((err) => logger.warn({ err: String(err) }, "snapshot failed"));
    }
  }

  onStats(camera: string, stats: CameraStats): void {
    const { publisher } = this.options;
    publisher.publish(messages.stats(publisher.topics, camera, stats));
  }

  onCameraStatus(status: CaptureStatus): void {
    const state = CAMERA_STATE[status.state];
    if (!state) return;
    const { publisher } = this.options;
    publisher.publish(messages.cameraStatus(publisher.topics, status.camera, state));
  }

  onReload(outcome: ReloadOutcome): void {
    const { publisher, errors } = this.options;
    if (outcome.ok) {
      publisher.publish(messages.model(publisher.topics, outcome.model));
      errors.clear("reload");
    } else errors.report("reload", outcome.error);
  }
}
