import { EventEmitter } from "node:events";
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { FaceEvent } from "../events/types.ts";
import type { MqttSettings } from "../settings/schema.ts";
import type { Logger } from "../system/logger.ts";
import { connectionOptions } from "./connection.ts";
import { Outbox } from "./outbox.ts";
import { messages, type OutgoingMessage, type PayloadMap, type Topics, topicMatches } from "./topics.ts";

export interface MqttPublisherOptions {
  /** The broker to use: `mqtt.url`, or the embedded broker's URL when that is omitted. */
  url: string;
  mqtt: MqttSettings;
  topics: Topics;
  logger: Logger;
  /** Delay between reconnect attempts; mqtt.js's default of 1 s is fine for a LAN broker. */
  reconnectPeriodMs?: number;
  /** stop() gives up on a clean goodbye after this long and closes the socket. */
  stopTimeoutMs?: number;
}

export interface PublisherStats {
  connected: boolean;
  queued: number;
  /** Dropped from the outbox because it was full. */
  dropped: number;
  /** Not queued while offline because stale when the broker is back (stats, snapshots). */
  skipped: number;
}

type MessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;

interface PublisherEvents {
  connected: [];
  disconnected: [];
}

/** The URL as it may be logged: credentials in it are removed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "[redacted]";
    return parsed.toString();
  } catch {
    return "(unparsable url)";
  }
}

/**
 * The only MQTT connection facegate holds. `<prefix>/status` is retained `online` while connected and
 * `offline` otherwise (last will on a crash, an explicit publish on stop). While the broker is away,
 * messages wait in a bounded outbox and go out in order on reconnect.
 */
export class MqttPublisher extends EventEmitter<PublisherEvents> {
  private client: MqttClient | null = null;
  private readonly outbox: Outbox;
  private readonly subscriptions = new Map<string, Set<MessageHandler>>();
  private skippedCount = 0;
  private stopped = false;
  private reportedOffline = false;
  /**
   * Set on our 'connect' handler, not mqtt.js's `connected`: mqtt.js reports connected while it still
   * replays its in-flight store, and a message sent then would overtake the queued ones.
   */
  private online = false;
  private connectedBefore = false;

  constructor(private readonly options: MqttPublisherOptions) {
    super();
    this.outbox = new Outbox(options.mqtt.outbox.max_messages, options.mqtt.outbox.path);
  }

  get topics(): Topics {
    return this.options.topics;
  }

  get connected(): boolean {
    return this.online && this.client?.connected === true;
  }

  stats(): PublisherStats {
    return {
      connected: this.connected,
      queued: this.outbox.size,
      dropped: this.outbox.dropped,
      skipped: this.skippedCount,
    };
  }

  /** Connects in the background: facegate runs (and queues) while the broker is still unreachable. */
  async start(): Promise<void> {
    const { mqtt, topics, logger } = this.options;
    const loaded = this.outbox.load();
    if (loaded.error) logger.warn({ path: mqtt.outbox.path, error: loaded.error }, "outbox file ignored");
    else if (loaded.loaded > 0) logger.info({ messages: loaded.loaded }, "outbox restored from disk");

    const clientOptions: IClientOptions = {
      ...connectionOptions(mqtt),
      clientId: mqtt.client_id ?? `facegate_${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      // facegate queues itself (bounded); mqtt.js's own offline queue is unbounded.
      queueQoSZero: false,
      resubscribe: false,
      // mqtt-packet's default pre-builds 65,536 two-byte buffers for message ids (~10 MB of heap); a doorway
      // sends a few messages a second, so ids are written on the fly instead.
      writeCache: false,
      will: { topic: topics.status(), payload: Buffer.from("offline"), qos: mqtt.qos, retain: true },
    };
    logger.info(
      { url: redactUrl(this.options.url), username: mqtt.username, client_id: clientOptions.clientId },
      "connecting to MQTT broker",
    );
    const client = connect(this.options.url, clientOptions);
    this.client = client;
    client.on("connect", () => this.onConnect());
    client.on("close", () => this.onClose());
    client.on("error", (error) => logger.warn({ error: error.message }, "MQTT error"));
    client.on("message", (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
  }

  /** Publishes, or queues while disconnected. Never throws: the pipeline must not stop for MQTT. */
  publish(message: OutgoingMessage): void {
    if (this.stopped) return;
    if (!this.connected) {
      if (message.queue) {
        const before = this.outbox.dropped;
        this.outbox.push(message);
        if (this.outbox.dropped > before && this.outbox.dropped === 1) {
          this.options.logger.warn("outbox full: dropping the oldest queued messages");
        }
        void this.persistOutbox();
      } else {
        this.skippedCount += 1;
      }
      return;
    }
    this.send(message);
  }

  /** A face event, plus the retained "last identified" state for identified faces. */
  publishEvent(event: FaceEvent): void {
    this.publish(messages.event(this.topics, event));
    if (event.type === "identified" && event.name !== null) {
      const last = { name: event.name, score: event.score, masked: event.masked, timestamp: event.timestamp };
      this.publish(messages.lastIdentified(this.topics, event.camera, last));
    }
  }

  publishStatus(state: PayloadMap["status"]): void {
    this.publish(messages.status(this.topics, state));
  }

  /** Subscribes (again after every reconnect); handlers receive only topics matching `filter`. */
  subscribe(filter: string, handler: MessageHandler): () => void {
    let handlers = this.subscriptions.get(filter);
    if (!handlers) {
      handlers = new Set();
      this.subscriptions.set(filter, handlers);
      if (this.connected) this.client?.subscribe(filter, { qos: this.options.mqtt.qos });
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) {
        this.subscriptions.delete(filter);
        if (this.connected) this.client?.unsubscribe(filter);
      }
    };
  }

  /** Says `offline`, persists what is still queued and disconnects, within `stopTimeoutMs`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const client = this.client;
    if (!client) {
      this.stopped = true;
      return;
    }
    const bound = this.options.stopTimeoutMs ?? 3000;
    const withinBound = <T>(work: Promise<T>) =>
      Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, bound).unref())]);
    if (this.connected) {
      const offline = messages.status(this.topics, "offline");
      await withinBound(
        new Promise<void>((resolve) =>
          client.publish(offline.topic, offline.payload, { qos: this.options.mqtt.qos, retain: true }, () =>
            resolve(),
          ),
        ),
      );
    }
    this.stopped = true;
    await withinBound(this.persistOutbox());
    await withinBound(new Promise<void>((resolve) => client.end(false, {}, () => resolve())));
    if (!client.disconnected) client.end(true);
    this.client = null;
  }

  private onConnect(): void {
    const { logger, mqtt } = this.options;
    this.reportedOffline = false;
    const client = this.client;
    if (!client) return;
    this.online = true;
    for (const filter of this.subscriptions.keys()) client.subscribe(filter, { qos: mqtt.qos });
    this.send(messages.status(this.topics, "online"));
    const queued = this.outbox.drain();
    for (const message of queued) this.send(message);
    // The first connection sends what start-up queued (status, discovery): routine, not news.
    if (this.connectedBefore && (queued.length > 0 || this.outbox.dropped > 0)) {
      logger.info({ sent: queued.length, dropped: this.outbox.dropped }, "outbox flushed after reconnect");
    } else if (queued.length > 0) {
      logger.debug({ sent: queued.length }, "messages queued during start-up sent");
    }
    this.connectedBefore = true;
    void this.persistOutbox();
    logger.info("connected to MQTT broker");
    this.emit("connected");
  }

  private onClose(): void {
    this.online = false;
    if (this.stopped || this.reportedOffline) return;
    this.reportedOffline = true;
    this.options.logger.warn("MQTT broker unreachable; queueing events until it is back");
    this.emit("disconnected");
  }

  private send(message: OutgoingMessage): void {
    const client = this.client;
    if (!client) return;
    client.publish(
      message.topic,
      message.payload,
      { qos: this.options.mqtt.qos, retain: message.retain },
      (error) => {
        if (error) this.options.logger.warn({ topic: message.topic, error: error.message }, "publish failed");
      },
    );
  }

  private dispatch(topic: string, payload: Buffer, retained: boolean): void {
    for (const [filter, handlers] of this.subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      for (const handler of handlers) {
        try {
          handler(topic, payload, retained);
        } catch (error) {
          this.options.logger.error({ topic, error: String(error) }, "MQTT message handler failed");
        }
      }
    }
  }

  private async persistOutbox(): Promise<void> {
    try {
      await this.outbox.persist();
    } catch (error) {
      this.options.logger.warn(
        { path: this.options.mqtt.outbox.path, error: String(error) },
        "outbox not saved",
      );
    }
  }
}
