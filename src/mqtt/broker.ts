import type { MqttSettings } from "../settings/schema.ts";
import type { Logger } from "../system/logger.ts";
import { EmbeddedBroker } from "./embedded-broker.ts";

/**
 * Which broker the publisher connects to: `mqtt.url` when set, otherwise an embedded broker that the
 * caller starts before the publisher and stops after it.
 */
export function chooseBroker(mqtt: MqttSettings, logger?: Logger): { embedded: EmbeddedBroker | null } {
  if (mqtt.url) return { embedded: null };
  return { embedded: new EmbeddedBroker(mqtt.embedded_host, mqtt.embedded_port, logger) };
}

/** The URL to connect to; call after the embedded broker (if any) has started. */
export function brokerUrl(mqtt: MqttSettings, embedded: EmbeddedBroker | null): string {
  if (mqtt.url) return mqtt.url;
  if (!embedded) throw new Error("mqtt.url is omitted but no embedded broker was started");
  return embedded.url;
}
