/**
 * Real parts for MQTT tests: a mosquitto on a free loopback port with a generated config, and a
 * subscriber client that collects messages. Not a test file itself (no `.test.ts`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { connectAsync, type IClientOptions, type MqttClient } from "mqtt";
import { parseSettings } from "../src/settings/load.ts";
import type { MqttSettings } from "../src/settings/schema.ts";
import { createLogger, type Logger } from "../src/system/logger.ts";
import { tempDir } from "./helpers/temp-dir.ts";

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

export class Mosquitto {
  private child: ChildProcess | null = null;
  readonly dir = tempDir("facegate-mosquitto-");
  stderr = "";

  constructor(
    readonly port: number,
    /** With persistence, sessions and queued QoS 1 messages survive a restart. */
    private readonly persistence = false,
    /** More mosquitto.conf lines (limits, a bridge). */
    private readonly extraConfig: string[] = [],
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const config = join(this.dir, "mosquitto.conf");
    const lines = [
      `listener ${this.port} 127.0.0.1`,
      "allow_anonymous true",
      `persistence ${this.persistence}`,
    ];
    if (this.persistence) lines.push(`persistence_location ${this.dir}/`, "autosave_interval 0");
    if (process.getuid?.() === 0) lines.push("user root");
    lines.push(...this.extraConfig);
    writeFileSync(config, `${lines.join("\n")}\n`);
    const child = spawn("mosquitto", ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.child = child;
    await waitForPort(this.port, child);
  }

  /** SIGTERM: mosquitto saves its persistence file and closes client connections. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
}

export async function startMosquitto(persistence = false, extraConfig: string[] = []): Promise<Mosquitto> {
  const broker = new Mosquitto(await freePort(), persistence, extraConfig);
  await broker.start();
  return broker;
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A plain mqtt.js client that records everything it receives, with a way to wait for a condition. */
export class Collector {
  readonly messages: Received[] = [];
  private waiters: Array<() => void> = [];
  /** When each message arrived (Date.now()), for latency figures; kept beside the messages so they compare as before. */
  readonly #arrivals = new WeakMap<Received, number>();

  arrivedAt(message: Received): number {
    return this.#arrivals.get(message) ?? Number.NaN;
  }

  constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      const message = { topic, payload: payload.toString(), retain: packet.retain };
      this.messages.push(message);
      this.#arrivals.set(message, Date.now());
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(url: string, filters: string[], options: IClientOptions = {}): Promise<Collector> {
    const client = await connectAsync(url, { reconnectPeriod: 100, ...options });
    const collector = new Collector(client);
    if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
    return collector;
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /** Waits until `check` holds; fails with `what` after a generous bound (not a timing assertion). */
  async until(what: string, check: () => boolean, boundMs = 10_000): Promise<void> {
    const deadline = Date.now() + boundMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for: ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Waits for a condition that is not tied to a collector. */
export async function until(what: string, check: () => boolean, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** MQTT settings as the schema would produce them, with overrides. */
export function mqttSettings(overrides: Record<string, unknown> = {}): MqttSettings {
  return parseSettings({ mqtt: overrides, cameras: { door: { source: "/dev/video0" } } }, { env: {} }).mqtt;
}

/** A logger whose JSON lines are kept in memory, to check what was (and was not) logged. */
export function memoryLogger(level: "info" | "debug" = "debug"): { logger: Logger; lines: () => string } {
  let text = "";
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines: () => text };
}
