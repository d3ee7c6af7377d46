import { connectAsync } from "mqtt";
import type { MqttSettings } from "../settings/schema.ts";
import { slug } from "../system/slug.ts";
import { clientOptionsFrom, readRetained } from "./connection.ts";
import { Topics } from "./topics.ts";

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
  const client = await connectAsync(url, clientOptionsFrom(mqtt, "facegate_forget"));
  try {
    const { retained } = await readRetained(
      client,
      filters,
      `${topics.prefix}/forget`,
      options.syncBoundMs ?? 3000,
    );
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
