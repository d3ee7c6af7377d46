import type { KeyObject } from "node:crypto";
import { createFrameSource } from "../capture/create-source.ts";
import type { CaptureStatus } from "../capture/types.ts";
import type { ModelInfo } from "../events/types.ts";
import { FleetApplier } from "../fleet/applier.ts";
import { FleetDoor } from "../fleet/door.ts";
import { readPublicKey } from "../fleet/keys.ts";
import { MqttBridge } from "../mqtt/bridge.ts";
import { type BrokerChoice, startBroker } from "../mqtt/broker.ts";
import { CommandListener } from "../mqtt/commands.ts";
import { HomeAssistantDiscovery } from "../mqtt/discovery.ts";
import { ErrorTopic } from "../mqtt/error-topic.ts";
import { PresenceTracker } from "../mqtt/presence.ts";
import { MqttPublisher } from "../mqtt/publisher.ts";
import { Topics } from "../mqtt/topics.ts";
import { PipelineBus } from "../pipeline/bus.ts";
import { CameraPipeline } from "../pipeline/camera-pipeline.ts";
import { cameraOptionsFor, missingLocalSource } from "../pipeline/camera-source.ts";
import { RecognitionState } from "../pipeline/recognition-state.ts";
import { SnapshotStore } from "../pipeline/snapshot.ts";
import { CaptureStore } from "../recognition/capture-store.ts";
import { enrollPolicyFor } from "../recognition/enroll.ts";
import { pointerPath } from "../recognition/model-store.ts";
import { calibrationFor, defaultCalibrationPath, sameStrangerThresholds } from "../recognition/recognizer.ts";
import { loadSettings, type Settings } from "../settings/load.ts";
import { FileWatcher } from "../system/file-watcher.ts";
import { HealthMonitor } from "../system/health.ts";
import type { Logger } from "../system/logger.ts";
import { SdNotify, watchdogIntervalMs } from "../system/sd-notify.ts";
import { WatchdogPetter } from "../system/watchdog.ts";
import type { FaceClassifierClient } from "../vision/face-classifier/client.ts";
import { WEIGHTS_DIR } from "../vision/package-paths.ts";
import { VisionClient } from "../vision/worker/vision-client.ts";
import { CaptureRecorder } from "../web/capture-recorder.ts";
import { WebOutput } from "../web/web-output.ts";
import { classifierOf, loadOptionsOf, thresholdsOf, visionConfigOf } from "./settings-to-parts.ts";

export interface DaemonOptions {
  settings: Settings;
  /** The settings file; read again on reload for changed thresholds. Omitted: thresholds stay as started. */
  configPath?: string;
  logger: Logger;
  /** Environment for NOTIFY_SOCKET / WATCHDOG_USEC (tests); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The composition root: builds every part from the settings, wires them through the bus, and owns the
 * start/stop order. Nothing else constructs daemon parts. Start order: models → gallery → MQTT → cameras →
 * READY=1; stop order is the reverse, so `left` events of open tracks still reach the broker.
 */
export class Daemon {
  readonly bus = new PipelineBus();
  readonly #options: DaemonOptions;
  readonly #settings: Settings;
  readonly #log: Logger;
  readonly #notify: SdNotify;
  readonly #vision: VisionClient;
  readonly #health = new HealthMonitor();
  readonly #pipelines: CameraPipeline[] = [];
  readonly #unsubscribe: Array<() => void> = [];
  #recognition: RecognitionState | null = null;
  #broker: BrokerChoice | null = null;
  #publisher: MqttPublisher | null = null;
  #presence: PresenceTracker | null = null;
  #discovery: HomeAssistantDiscovery | null = null;
  #commands: CommandListener | null = null;
  #bridge: MqttBridge | null = null;
  #fleet: FleetDoor | null = null;
  #galleryWatcher: FileWatcher | null = null;
  #storeWatcher: FileWatcher | null = null;
  #classifier: FaceClassifierClient | null = null;
  #watchdog: WatchdogPetter | null = null;
  #recorder: CaptureRecorder | null = null;
  #web: WebOutput | null = null;
  #statsTimer: NodeJS.Timeout | null = null;
  #stopping: Promise<void> | null = null;
  #stoppingAt: string | null = null;

  constructor(options: DaemonOptions) {
    this.#options = options;
    this.#settings = options.settings;
    this.#log = options.logger;
    const env = options.env ?? process.env;
    this.#notify = new SdNotify({
      socket: env.NOTIFY_SOCKET,
      logger: options.logger.child({ part: "sd_notify" }),
    });
    this.#vision = new VisionClient(visionConfigOf(options.settings), {
      logger: options.logger.child({ part: "vision" }),
    });
  }

  /** The web page's URL once it listens (`web.enabled`), else null. */
  get webUrl(): string | null {
    return this.#web?.url ?? null;
  }

  /** The embedded broker's URL, or null when `mqtt.url` (or a broker already on the port) is used. */
  get embeddedBrokerUrl(): string | null {
    return this.#broker?.embedded?.url ?? null;
  }

  /** The broker in use and how it was chosen; null before start. */
  get broker(): BrokerChoice | null {
    return this.#broker;
  }

  /** The people the running model can name. */
  get people(): readonly string[] {
    return this.#recognition?.people ?? [];
  }

  async start(): Promise<void> {
    const s = this.#settings;
    const env = this.#options.env ?? process.env;
    // A door that cannot check fleet signatures must not start (it would run a gallery nobody can update).
    const fleetKey = s.fleet ? readPublicKey(s.fleet.public_key) : null;
    await this.#notify.start();
    await this.#notify.status("loading models");
    await this.#vision.start();
    this.#log.info(
      {
        detector: this.#vision.detectorId,
        embedder: this.#vision.embedderId,
        mask: this.#vision.maskClassifierId,
        upperProjection: this.#vision.upperProjectionId,
      },
      "models loaded",
    );
    this.#classifier = classifierOf(s, this.#log);
    if (this.#classifier) {
      await this.#classifier.start();
      this.#log.info(
        { classes: this.#classifier.classes.length, backend: this.#classifier.backend },
        "face classifier loaded",
      );
    }

    const store = s.training.store;
    if (store && this.#classifier)
      this.#log.warn({ store }, "recognition.classifier is set: it names faces; the model store is not used");
    this.#recognition = new RecognitionState({
      galleryPath: s.gallery,
      store,
      embedderId: this.#vision.embedderId,
      calibrationPath: defaultCalibrationPath(WEIGHTS_DIR),
      classifier: this.#classifier
        ? { classes: this.#classifier.classes, source: `keras:${s.recognition.classifier?.model_dir}` }
        : undefined,
    });
    const loaded = await this.#recognition.load(loadOptionsOf(s));
    if (!loaded.ok) throw new Error(`cannot use the gallery: ${loaded.error}`);
    const { model } = loaded;
    if (model.people.length === 0)
      this.#log.warn({ gallery: s.gallery }, "nobody enrolled yet: every face is unknown (facegate enroll)");
    else this.#log.info({ ...model, people: model.people.length }, "gallery loaded");

    await this.#startMqtt(model, fleetKey);
    await this.#startWeb();
    await this.#startCameras();

    // A fleet door's gallery changes only through the fleet door, which reloads itself (local writers are
    // refused); watching the file too would reload every fleet gallery twice.
    if (!s.fleet) {
      this.#galleryWatcher = new FileWatcher({
        path: s.gallery,
        what: "gallery",
        onChange: () => this.reload("gallery file changed"),
        logger: this.#log,
      });
      await this.#galleryWatcher.start();
    }
    if (store && !this.#classifier) {
      // `facegate train` / `rollback` replace current.json by rename: one event, so a short debounce.
      this.#storeWatcher = new FileWatcher({
        path: pointerPath(store),
        what: "model store pointer",
        onChange: () => this.reload("model store changed"),
        logger: this.#log,
        debounceMs: 100,
      });
      await this.#storeWatcher.start();
    }
    this.#statsTimer = setInterval(() => this.publishStats(), s.stats_interval_s * 1000);
    this.#statsTimer.unref();
    this.#watchdog = new WatchdogPetter(
      this.#notify,
      () => this.#health.isHealthy(),
      watchdogIntervalMs(env),
      this.#log,
    );
    await this.#watchdog.start();
    await this.#notify.ready(this.#statusLine());
    this.#log.info({ cameras: this.#pipelines.map((p) => p.camera) }, "facegate running");
  }

  /**
   * Reloads the model (the store's active version, else the gallery file) and thresholds; a failure keeps what
   * runs now and is published on `<prefix>/error`. Loading happens off the frame path: cameras keep using the
   * old model until the new one is complete.
   */
  async reload(trigger: string): Promise<boolean> {
    const state = this.#recognition;
    if (!state || this.#stopping) return false;
    let options = loadOptionsOf(this.#settings);
    if (this.#options.configPath) {
      try {
        options = loadOptionsOf(loadSettings(this.#options.configPath));
      } catch (err) {
        return this.#reloadFailed(trigger, (err as Error).message);
      }
    }
    const result = await state.load(options);
    if (this.#stopping) return false;
    if (!result.ok) return this.#reloadFailed(trigger, result.error);
    const { model } = result;
    this.#discovery?.syncPeople(model.people);
    this.#presence?.syncPeople(model.people);
    this.bus.emit("reload", { ok: true, people: model.people, trigger, model });
    this.#log.info(
      {
        trigger,
        version: model.version,
        source: model.source,
        people: model.people.length,
        load_ms: result.ms,
      },
      "gallery reloaded",
    );
    void this.#notify.status(this.#statusLine());
    return true;
  }

  /** Sends every camera's stats now (also on the MQTT `status` command). */
  publishStats(): void {
    for (const p of this.#pipelines) {
      const stats = {
        ...p.stats.snapshot(p.source.stats, p.source.status, p.tracks),
        model_version: this.#recognition?.model?.version ?? null,
        // Model workers brought back after dying (uncaught error, out of memory): non-zero needs a look.
        vision_restarts: this.#vision.restarts,
        ...(this.#classifier ? { classifier_restarts: this.#classifier.restarts } : {}),
      };
      this.#log.debug({ camera: p.camera, ...stats }, "camera stats");
      this.bus.emit("stats", p.camera, stats);
    }
  }

  /** Idempotent; resolves once every part is down (the caller bounds the time). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** The part the daemon is waiting for while it stops, for the message when stopping takes too long. */
  get stoppingAt(): string | null {
    return this.#stoppingAt;
  }

  async #stop(): Promise<void> {
    this.#log.info("stopping");
    const step = async (part: string, stop: () => Promise<unknown> | undefined) => {
      this.#stoppingAt = part;
      await stop();
    };
    await step("systemd notify", () => this.#notify.stopping());
    await step("watchdog", () => this.#watchdog?.stop());
    if (this.#statsTimer) clearInterval(this.#statsTimer);
    await step("gallery watcher", () => this.#galleryWatcher?.stop());
    await step("model store watcher", () => this.#storeWatcher?.stop());
    await step("MQTT commands", () => this.#commands?.stop());
    await step("fleet", () => this.#fleet?.stop());
    await step("web page", () => this.#web?.stop());
    // Cameras first: ffmpeg children reaped, open tracks end with `left` while MQTT is still up, and each
    // camera's retained status says `offline` (so its status listener goes only after the camera stopped).
    await step("cameras", () =>
      Promise.all(
        this.#pipelines.map((p) =>
          p
            .stop()
            .catch((err) => this.#log.warn({ camera: p.camera, err: String(err) }, "camera stop failed")),
        ),
      ),
    );
    for (const off of this.#unsubscribe.splice(0)) off();
    // After the cameras: the decisions of tracks they ended are still kept.
    await step("captures", () => this.#recorder?.stop());
    await step("presence", () => this.#presence?.stop());
    await step("Home Assistant discovery", () => this.#discovery?.stop());
    await step("MQTT bridge", () => this.#bridge?.stop());
    await step("MQTT publisher (outbox flush)", () => this.#publisher?.stop());
    await step("embedded MQTT broker", () => this.#broker?.embedded?.stop());
    await step("vision worker", () => this.#vision.stop());
    await step("classifier worker", () => this.#classifier?.stop());
    this.#recognition?.dispose();
    await step("systemd notify", () => this.#notify.stop());
    this.#stoppingAt = null;
    this.#log.info("stopped");
  }

  async #startMqtt(model: ModelInfo, fleetKey: KeyObject | null): Promise<void> {
    const { people } = model;
    const s = this.#settings;
    const log = this.#log.child({ part: "mqtt" });
    this.#broker = await startBroker(s.mqtt, log);
    const topics = new Topics(s.mqtt.topic_prefix, s.mqtt.homeassistant.discovery_prefix);
    const publisher = new MqttPublisher({
      url: this.#broker.url,
      mqtt: s.mqtt,
      topics,
      logger: log,
    });
    this.#publisher = publisher;
    this.#presence = new PresenceTracker(publisher, s.presence.away_after_s, log);
    const errors = new ErrorTopic(publisher);
    this.#bridge = new MqttBridge({
      bus: this.bus,
      publisher,
      presence: this.#presence,
      errors,
      logger: this.#log,
      snapshots: s.snapshots.enabled,
      store:
        s.snapshots.enabled && s.snapshots.dir
          ? new SnapshotStore(s.snapshots.dir, s.snapshots.retention_days, log)
          : null,
    });
    await this.#bridge.start();
    await publisher.start();
    await this.#presence.start();
    this.#presence.syncPeople(people);
    if (s.mqtt.homeassistant.enabled) {
      this.#discovery = new HomeAssistantDiscovery(publisher, { cameras: Object.keys(s.cameras) }, log);
      await this.#discovery.start();
      this.#discovery.syncPeople(people);
    }
    this.#commands = new CommandListener(publisher, log);
    this.#commands.on("reload", () => this.reload("mqtt command"));
    this.#commands.on("status", () => this.publishStats());
    await this.#commands.start();
    // A successful start clears an error a previous run left retained.
    this.bus.emit("reload", { ok: true, people, trigger: "start", model });
    if (s.fleet && fleetKey) {
      const fleetLog = this.#log.child({ part: "fleet" });
      this.#fleet = new FleetDoor({
        publisher,
        errors,
        topic: s.fleet.topic,
        applier: new FleetApplier({
          galleryPath: s.gallery,
          publicKey: fleetKey,
          embedderId: this.#vision.embedderId,
          topic: s.fleet.topic,
        }),
        reload: (trigger) => this.reload(trigger),
        logger: fleetLog,
      });
      await this.#fleet.start();
    }
  }

  async #startCameras(): Promise<void> {
    const s = this.#settings;
    for (const [name, camera] of Object.entries(s.cameras)) {
      const log = this.#log.child({ camera: name });
      try {
        const options = cameraOptionsFor(name, camera);
        const missing = missingLocalSource(options.source);
        if (missing)
          log.error(
            { path: missing },
            "camera source does not exist; retrying with backoff (fix `source` in the settings)",
          );
        const source = createFrameSource(options, log);
        const onStatus = (status: CaptureStatus) => this.bus.emit("camera_status", status);
        this.#unsubscribe.push(source.onStatus(onStatus));
        const pipeline = new CameraPipeline({
          camera: name,
          source,
          vision: this.#vision,
          matcher: () => this.#recognition?.matcher ?? null,
          sameFace: () => this.#recognition?.sameFace ?? null,
          bus: this.bus,
          logger: log,
          onFrame: (cam, at) => this.#health.recordFrame(cam, at),
          maxAttemptsPerTrack: s.recognition.max_attempts_per_track,
          maxAttemptsPerVisit: s.recognition.max_attempts_per_visit,
          minAgreeingFrames: s.recognition.min_agreeing_frames,
          minFacePx: s.recognition.min_face_px,
          detectEveryN: camera.detect_every_n,
          cropFaces: s.snapshots.enabled,
          keepBestFaces: s.captures.enabled,
          classifier: this.#classifier ?? undefined,
        });
        this.#health.addCamera(name, camera.stall_timeout_s);
        await pipeline.start();
        this.#pipelines.push(pipeline);
      } catch (err) {
        // A camera that cannot start never takes the daemon (and the other cameras) down.
        const reason = (err as Error).message;
        log.error({ err: reason }, "camera failed to start; the other cameras keep running");
        this.#health.removeCamera(name);
        this.bus.emit("camera_status", {
          camera: name,
          state: "stopped",
          reason,
          restarts: 0,
          timestamp: Date.now(),
        });
      }
    }
  }

  /**
   * Captures (the best face of each decided visit) and the web page, both listeners on the bus like MQTT. They
   * start before the cameras, so the first camera states and decisions reach them.
   */
  async #startWeb(): Promise<void> {
    const s = this.#settings;
    const log = this.#log.child({ part: "web" });
    const vision = this.#vision;
    const calibration = calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId);
    const store = s.captures.enabled ? new CaptureStore(s.captures.dir) : null;
    if (store) {
      this.#recorder = new CaptureRecorder({
        bus: this.bus,
        store,
        analyzer: vision,
        embedderId: () => vision.embedderId,
        max: s.captures.max,
        retentionDays: s.captures.retention_days,
        logger: log,
      });
      this.#recorder.start();
    }
    if (!s.web.enabled) return;
    this.#web = new WebOutput({
      bus: this.bus,
      web: s.web,
      cameras: Object.keys(s.cameras),
      recorder: this.#recorder,
      groupThresholds: () => sameStrangerThresholds(calibration, vision.embedderId, thresholdsOf(s)),
      logger: log,
      teacher: {
        galleryPath: s.gallery,
        embedder: () => ({ embedderId: vision.embedderId, dim: vision.embedderDim }),
        analyzer: vision,
        enrollPolicy: () => enrollPolicyFor(calibration),
        captures: store,
        snapshotsDir: s.snapshots.dir,
        reload: (trigger) => this.reload(trigger),
        modelSource: () => this.#recognition?.model?.source ?? null,
      },
    });
    await this.#web.start();
  }

  #statusLine(): string {
    const people = this.#recognition?.people.length ?? 0;
    return `${this.#pipelines.length} camera(s), ${people} people enrolled`;
  }

  #reloadFailed(trigger: string, error: string): boolean {
    this.#log.error({ trigger, error }, "reload failed; keeping the gallery in use");
    this.bus.emit("reload", { ok: false, error, trigger });
    return false;
  }
}
