import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import type { MqttSettings } from "../settings/schema.ts";
import { slug } from "../system/slug.ts";
import { Topics, topicMatches } from "./topics.ts";

/**
 * Clears what the broker retains about one person: their presence (`<prefix>/people/<slug>`), their Home
 * Assistant device_tracker config, and any camera's `last_identified` that names them. A plain client, not
 * MqttPublisher: the publisher announces `<prefix>/status` online/offline and sets a last will, which would
 * tell Home Assistant that facegate went offline. Same URL, credentials and TLS files as the daemon.
 */

export interface ForgetRetainedResult {
  /** Topics that held a retained message about the person and were cleared. */
  cleared: string[];
}

/** mqtt.js options from facegate's settings (the same fields MqttPublisher uses). */
export function clientOptionsFrom(mqtt: MqttSettings): IClientOptions {
  const options: IClientOptions = {
    clientId: `facegate_forget_${randomBytes(4).toString("hex")}`,
    username: mqtt.username,
    password: mqtt.password,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
  if (mqtt.tls) {
    options.ca = mqtt.tls.ca ? readFileSync(mqtt.tls.ca) : undefined;
    options.cert = mqtt.tls.cert ? readFileSync(mqtt.tls.cert) : undefined;
    options.key = mqtt.tls.key ? readFileSync(mqtt.tls.key) : undefined;
    options.rejectUnauthorized = mqtt.tls.reject_unauthorized;
  }
  return options;
}

/** Whether a retained payload is about the person (presence, discovery and last_identified all carry it). */
function namesPerson(payload: Buffer, name: string, personTopic: string): boolean {
  try {
    const value = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
    return (
      (typeof value.name === "string" && slug(value.name) === slug(name)) || value.state_topic === personTopic
    );
  } catch {
    return false;
  }
}

export async function forgetRetained(
  name: string,
  url: string,
  mqtt: MqttSettings,
  options: { dryRun?: boolean; syncBoundMs?: number } = {},
): Promise<ForgetRetainedResult> {
  const topics = new Topics(mqtt.topic_prefix, mqtt.homeassistant.discovery_prefix);
  const personTopic = topics.person(name);
  const filters = [
    personTopic,
    topics.lastIdentified("+"),
    // Any node id: several facegate instances may share a broker, each with its own discovery node.
    topics.discovery("device_tracker", "+", `person_${slug(name)}`),
  ];
  const client = await connectAsync(url, clientOptionsFrom(mqtt));
  try {
    const retained = await collectRetained(client, filters, topics, options.syncBoundMs ?? 3000);
    const cleared = [...retained]
      .filter(([topic, payload]) => topic === personTopic || namesPerson(payload, name, personTopic))
      .map(([topic]) => topic);
    // The person's own topics are cleared even when nothing was seen: an empty retained message is a no-op then.
    const defaults = [
      personTopic,
      topics.discovery("device_tracker", slug(mqtt.topic_prefix), `person_${slug(name)}`),
    ];
    const targets = [...new Set([...cleared, ...defaults])];
    if (!options.dryRun) {
      for (const topic of targets) await client.publishAsync(topic, "", { qos: 1, retain: true });
    }
    return { cleared };
  } finally {
    await client.endAsync();
  }
}

/**
 * Subscribes and gathers the retained messages. The broker sends them right after each SUBACK; a message we
 * publish to a private topic afterwards comes back behind them, so its arrival says "all retained seen" without
 * guessing a delay. `boundMs` only caps the wait when an ACL forbids that private topic.
 */
async function collectRetained(
  client: MqttClient,
  filters: string[],
  topics: Topics,
  boundMs: number,
): Promise<Map<string, Buffer>> {
  const retained = new Map<string, Buffer>();
  const marker = `${topics.prefix}/forget/${randomBytes(6).toString("hex")}`;
  let synced: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    synced = resolve;
  });
  client.on("message", (topic, payload, packet) => {
    if (topic === marker) synced();
    else if (packet.retain && payload.length > 0 && filters.some((f) => topicMatches(f, topic)))
      retained.set(topic, payload);
  });
  await client.subscribeAsync([...filters, marker], { qos: 1 });
  await client.publishAsync(marker, "sync", { qos: 1, retain: false });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
  clearTimeout(timer);
  return retained;
}
