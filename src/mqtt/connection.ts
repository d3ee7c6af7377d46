import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IClientOptions, MqttClient } from "mqtt";
import type { MqttSettings } from "../settings/schema.ts";
import { topicMatches } from "./topics.ts";

/** What a connection needs from the settings (the fleet publisher builds it from its command line). */
export type ConnectionSettings = Pick<MqttSettings, "username" | "password" | "tls">;

/** Credentials and TLS from the settings, as every MQTT connection facegate opens needs them. */
export function connectionOptions(mqtt: ConnectionSettings): IClientOptions {
  const options: IClientOptions = { username: mqtt.username, password: mqtt.password };
  if (mqtt.tls) {
    options.ca = mqtt.tls.ca ? readFileSync(mqtt.tls.ca) : undefined;
    options.cert = mqtt.tls.cert ? readFileSync(mqtt.tls.cert) : undefined;
    options.key = mqtt.tls.key ? readFileSync(mqtt.tls.key) : undefined;
    options.rejectUnauthorized = mqtt.tls.reject_unauthorized;
  }
  return options;
}

/** A short-lived client (forget, fleet publish): those options, a random client id, no automatic reconnect. */
export function clientOptionsFrom(mqtt: ConnectionSettings, clientIdPrefix = "facegate"): IClientOptions {
  return {
    ...connectionOptions(mqtt),
    clientId: `${clientIdPrefix}_${randomBytes(4).toString("hex")}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
}

export interface RetainedMessages {
  retained: Map<string, Buffer>;
  /** Whether the sync marker came back, i.e. every retained message was seen (false: the bound ran out). */
  synced: boolean;
}

/**
 * Subscribes and gathers the retained messages. The broker sends them right after each SUBACK; a message we
 * publish to a private topic under `syncPrefix` afterwards comes back behind them, so its arrival says "all
 * retained seen" without guessing a delay. `boundMs` only caps the wait when an ACL forbids that private topic.
 * Empty retained payloads (a cleared topic) are left out. The subscriptions stay; the caller ends the client.
 */
export async function readRetained(
  client: MqttClient,
  filters: string[],
  syncPrefix: string,
  boundMs: number,
): Promise<RetainedMessages> {
  const retained = new Map<string, Buffer>();
  const marker = `${syncPrefix}/sync/${randomBytes(6).toString("hex")}`;
  let synced = false;
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
    if (topic === marker) {
      synced = true;
      wake();
    } else if (packet.retain && payload.length > 0 && filters.some((f) => topicMatches(f, topic)))
      retained.set(topic, payload);
  };
  client.on("message", onMessage);
  try {
    await client.subscribeAsync([...filters, marker], { qos: 1 });
    await client.publishAsync(marker, "sync", { qos: 1, retain: false });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
    await client.unsubscribeAsync(marker);
  } finally {
    client.off("message", onMessage);
  }
  return { retained, synced };
}
