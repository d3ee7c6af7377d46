import type { Logger } from "../system/logger.ts";
import { slug } from "../system/slug.ts";
import type { MqttPublisher } from "./publisher.ts";
import { messages } from "./topics.ts";

/**
 * Home Assistant MQTT discovery: retained configs under `<discovery_prefix>/<component>/<node_id>/
 * <object_id>/config`, so people and cameras appear in HA without YAML. Per person a device_tracker
 * (home / not_home from `<prefix>/people/<name>`); per camera a "last identified" sensor and an fps
 * sensor; one "reload" button. Configs are sent again whenever HA announces `online` on
 * `<discovery_prefix>/status` (it may have restarted with an empty broker), and configs on the broker
 * that facegate no longer wants (a person removed from the gallery, a camera removed from the
 * settings — also from earlier runs) are deleted with an empty retained payload.
 */

interface EntityConfig {
  component: "device_tracker" | "sensor" | "button";
  objectId: string;
  config: Record<string, unknown>;
}

export interface DiscoveryOptions {
  cameras: readonly string[];
  /** Distinguishes several facegate instances on one broker; defaults to the topic prefix. */
  nodeId?: string;
  version?: string;
}

export class HomeAssistantDiscovery {
  private people: string[] = [];
  private peopleKnown = false;
  /** object ids whose retained config is on the broker, learnt from our wildcard subscription. */
  private readonly onBroker = new Map<string, string>();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly publisher: MqttPublisher,
    private readonly options: DiscoveryOptions,
    private readonly logger?: Logger,
  ) {}

  get nodeId(): string {
    return slug(this.options.nodeId ?? this.publisher.topics.prefix);
  }

  async start(): Promise<void> {
    const topics = this.publisher.topics;
    this.unsubscribes.push(
      this.publisher.subscribe(topics.homeAssistantStatus(), (_topic, payload) => {
        if (payload.toString() === "online") {
          this.logger?.info("Home Assistant is online; publishing discovery again");
          this.publishAll();
        }
      }),
      this.publisher.subscribe(topics.discovery("+", this.nodeId, "+"), (topic, payload) =>
        this.noteOnBroker(topic, payload),
      ),
    );
    this.publishAll();
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** The gallery's names; publishes configs for new people and deletes those of removed ones. */
  syncPeople(names: readonly string[]): void {
    this.people = [...new Set(names)];
    this.peopleKnown = true;
    this.publishAll();
  }

  /** Every config facegate wants on the broker now. */
  entities(): EntityConfig[] {
    const topics = this.publisher.topics;
    const node = this.nodeId;
    const device = {
      identifiers: [`facegate_${node}`],
      name: node === "facegate" ? "facegate" : `facegate ${node}`,
      manufacturer: "facegate",
      model: "face recognition daemon",
      ...(this.options.version ? { sw_version: this.options.version } : {}),
    };
    const common = {
      availability_topic: topics.status(),
      payload_available: "online",
      payload_not_available: "offline",
      device,
    };
    const list: EntityConfig[] = [];
    for (const name of this.people) {
      const objectId = `person_${slug(name)}`;
      list.push({
        component: "device_tracker",
        objectId,
        config: {
          ...common,
          name,
          unique_id: `${node}_${objectId}`,
          state_topic: topics.person(name),
          value_template: "{{ value_json.state }}",
          payload_home: "home",
          payload_not_home: "not_home",
          json_attributes_topic: topics.person(name),
          source_type: "router",
          icon: "mdi:face-recognition",
        },
      });
    }
    for (const camera of this.options.cameras) {
      list.push(
        {
          component: "sensor",
          objectId: `${camera}_last_identified`,
          config: {
            ...common,
            name: `${camera} last identified`,
            unique_id: `${node}_${camera}_last_identified`,
            state_topic: topics.lastIdentified(camera),
            value_template: "{{ value_json.name }}",
            json_attributes_topic: topics.lastIdentified(camera),
            icon: "mdi:account-eye",
          },
        },
        {
          component: "sensor",
          objectId: `${camera}_fps`,
          config: {
            ...common,
            name: `${camera} fps`,
            unique_id: `${node}_${camera}_fps`,
            state_topic: topics.stats(camera),
            value_template: "{{ value_json.fps | round(1) }}",
            json_attributes_topic: topics.stats(camera),
            unit_of_measurement: "fps",
            state_class: "measurement",
            entity_category: "diagnostic",
          },
        },
      );
    }
    list.push({
      component: "button",
      objectId: "reload",
      config: {
        ...common,
        name: "Reload gallery and settings",
        unique_id: `${node}_reload`,
        command_topic: topics.command(),
        payload_press: "reload",
        entity_category: "config",
      },
    });
    return list;
  }

  private publishAll(): void {
    const topics = this.publisher.topics;
    for (const entity of this.entities()) {
      const topic = topics.discovery(entity.component, this.nodeId, entity.objectId);
      this.publisher.publish(messages.discovery(topic, entity.config));
    }
    this.removeStale();
  }

  private noteOnBroker(topic: string, payload: Buffer): void {
    if (payload.length === 0) {
      this.onBroker.delete(topic);
      return;
    }
    this.onBroker.set(topic, topic);
    this.removeStale();
  }

  /** Deletes configs on the broker that are not wanted; waits until the gallery's names are known. */
  private removeStale(): void {
    if (!this.peopleKnown) return;
    const topics = this.publisher.topics;
    const wanted = new Set(
      this.entities().map((e) => topics.discovery(e.component, this.nodeId, e.objectId)),
    );
    for (const topic of this.onBroker.keys()) {
      if (wanted.has(topic)) continue;
      this.onBroker.delete(topic);
      this.logger?.info({ topic }, "removing Home Assistant entity no longer wanted");
      this.publisher.publish(messages.discovery(topic, ""));
    }
  }
}
