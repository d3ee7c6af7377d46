import { connect, type IClientOptions } from "mqtt";
import type { MqttSettings } from "../settings/schema.ts";
import type { Logger } from "../system/logger.ts";
import { connectionOptions } from "./connection.ts";
import { EmbeddedBroker, PortInUseError } from "./embedded-broker.ts";

/**
 * Which broker facegate talks to: `mqtt.url`; else its own embedded broker; else — the embedded port is taken by
 * a broker already (a mosquitto installed beside it, a second facegate) — that broker, as a client.
 */
export type BrokerKind = "configured" | "embedded" | "existing";

export interface BrokerChoice {
  url: string;
  kind: BrokerKind;
  /** The caller stops it after the publisher; null unless kind is "embedded". */
  embedded: EmbeddedBroker | null;
}

/** The embedded port is held by something that does not speak MQTT: nothing to connect to, nothing to retry. */
export class BrokerPortError extends Error {
  override readonly name = "BrokerPortError";
}

export type ProbeResult = { ok: true } | { ok: false; mqtt: boolean; reason: string };

/**
 * Connects once (no retries) and disconnects. `mqtt: true` on failure means a broker answered but refused us
 * (credentials); false means nothing MQTT answered at all (closed, silent, or not listening).
 */
export function probeBroker(
  url: string,
  options: IClientOptions = {},
  timeoutMs = 3000,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const client = connect(url, {
      ...options,
      clientId: `facegate_probe_${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
    });
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      resolve(result);
    };
    const timer = setTimeout(
      () => done({ ok: false, mqtt: false, reason: `no MQTT answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    client.once("connect", () => done({ ok: true }));
    // A CONNACK refusal carries a numeric reason code; socket errors carry strings such as ECONNREFUSED. `on`, not
    // `once`: an error after the answer (the forced end) must still find a listener. mqtt.js's own listeners stay.
    client.on("error", (err: Error & { code?: number | string }) =>
      done({ ok: false, mqtt: typeof err.code === "number", reason: err.message || String(err) }),
    );
    client.once("close", () =>
      done({ ok: false, mqtt: false, reason: "it closed the connection without an MQTT answer" }),
    );
  });
}

/**
 * Starts what the settings ask for and says where to connect. A busy embedded port is not a crash: a broker there
 * is used (and said so), anything else is a BrokerPortError with what to do.
 */
export async function startBroker(mqtt: MqttSettings, logger?: Logger): Promise<BrokerChoice> {
  if (mqtt.url) return { url: mqtt.url, kind: "configured", embedded: null };
  const embedded = new EmbeddedBroker(mqtt.embedded_host, mqtt.embedded_port, logger);
  try {
    await embedded.start();
    return { url: embedded.url, kind: "embedded", embedded };
  } catch (err) {
    if (!(err instanceof PortInUseError)) throw err;
  }
  const where = embedded.address;
  const url = embedded.url;
  const probe = await probeBroker(url, connectionOptions(mqtt));
  if (probe.ok) {
    logger?.warn(
      { url },
      `an MQTT broker already listens on ${where}: using it instead of the embedded one (set mqtt.url to make this explicit)`,
    );
    return { url, kind: "existing", embedded: null };
  }
  if (probe.mqtt)
    throw new BrokerPortError(
      `the MQTT broker on ${where} refused facegate (${probe.reason}): set mqtt.url and mqtt.username/password_file for it, or mqtt.embedded_port to a free port`,
    );
  throw new BrokerPortError(
    `${where} is in use by a program that is not an MQTT broker (${probe.reason}): stop it, or set mqtt.embedded_port to a free port (or mqtt.url to your broker)`,
  );
}
