import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FaceEvent } from "../src/events/types.ts";
import { MqttPublisher, messages, Topics } from "../src/mqtt/index.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import {
  Collector,
  type Mosquitto,
  memoryLogger,
  mqttSettings,
  startMosquitto,
  until,
} from "./mqtt-support.ts";

function event(i: number): FaceEvent {
  const at = new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString();
  return {
    type: "identified",
    name: "anna",
    score: 0.8,
    masked: false,
    track_id: `t${i}`,
    camera: "door",
    box: [1, 2, 3, 4],
    first_seen: at,
    timestamp: at,
  };
}

async function connectedPublisher(url: string, overrides: Record<string, unknown> = {}) {
  const { logger, lines } = memoryLogger();
  const publisher = new MqttPublisher({
    url,
    mqtt: mqttSettings(overrides),
    topics: new Topics("facegate"),
    logger,
    reconnectPeriodMs: 100,
    stopTimeoutMs: 2000,
  });
  const connected = once(publisher, "connected");
  await publisher.start();
  await connected;
  return { publisher, lines };
}

describe("MqttPublisher against a real mosquitto", () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });

  it("publishes retained online, events as JSON, and offline on stop", async () => {
    const { publisher } = await connectedPublisher(broker.url);
    const watcher = await Collector.connect(broker.url, ["facegate/#"]);
    await watcher.until("retained online", () =>
      watcher.on("facegate/status").some((m) => m.payload === "online" && m.retain),
    );
    publisher.publishEvent(event(1));
    await watcher.until("event", () => watcher.on("facegate/door/event").length === 1);
    assert.deepEqual(JSON.parse(watcher.on("facegate/door/event")[0].payload), event(1));
    await watcher.until("last identified", () => watcher.on("facegate/door/last_identified").length === 1);
    await publisher.stop();
    await watcher.until("offline", () => watcher.on("facegate/status").some((m) => m.payload === "offline"));
    await watcher.end();

    // A late subscriber sees the retained offline.
    const late = await Collector.connect(broker.url, ["facegate/status"]);
    await late.until("retained offline", () => late.on("facegate/status").some((m) => m.retain));
    assert.equal(late.on("facegate/status")[0].payload, "offline");
    await late.end();
  });

  it("leaves a retained offline (last will) when the process is killed", async () => {
    const dir = tempDir("facegate-lwt-");
    const script = join(dir, "child.mts");
    const src = resolve("src/mqtt/index.ts");
    const support = resolve("test/mqtt-support.ts");
    writeFileSync(
      script,
      `import { MqttPublisher, Topics } from ${JSON.stringify(src)};
import { memoryLogger, mqttSettings } from ${JSON.stringify(support)};
const p = new MqttPublisher({ url: ${JSON.stringify(broker.url)}, mqtt: mqttSettings({ topic_prefix: "lwt" }),
  topics: new Topics("lwt"), logger: memoryLogger().logger });
p.on("connected", () => console.log("connected"));
await p.start();
setInterval(() => {}, 1000);
`,
    );
    const watcher = await Collector.connect(broker.url, ["lwt/status"]);
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await until("child connected", () => out.includes("connected"));
    await watcher.until("online", () => watcher.on("lwt/status").some((m) => m.payload === "online"));
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    await watcher.until("last will", () => watcher.on("lwt/status").some((m) => m.payload === "offline"));
    await watcher.end();
    const late = await Collector.connect(broker.url, ["lwt/status"]);
    await late.until("retained", () => late.messages.length > 0);
    assert.deepEqual(late.messages[0], { topic: "lwt/status", payload: "offline", retain: true });
    await late.end();
  });

  it("never logs the password, but does log the user name", async () => {
    const { publisher, lines } = await connectedPublisher(`mqtt://anna:urlsecret@127.0.0.1:${broker.port}`, {
      username: "anna",
      password: "s3cr3t-pa55",
    });
    publisher.publish(messages.status(publisher.topics, "online"));
    await publisher.stop();
    const text = lines();
    assert.match(text, /"username":"anna"/);
    assert.doesNotMatch(text, /s3cr3t-pa55/);
    assert.doesNotMatch(text, /urlsecret/);
  });
});

describe("outbox while the broker is down", () => {
  it("queues, then delivers everything in order after the broker returns", async () => {
    const broker = await startMosquitto(true);
    const { publisher } = await connectedPublisher(broker.url);
    // A persistent session, so mosquitto keeps what arrives while this subscriber reconnects.
    const watcher = await Collector.connect(broker.url, ["facegate/door/event"], {
      clean: false,
      clientId: "outbox-watcher",
    });
    const disconnected = once(publisher, "disconnected");
    await broker.stop();
    await disconnected;
    for (let i = 0; i < 20; i++) publisher.publishEvent(event(i));
    assert.equal(publisher.stats().connected, false);
    assert.ok(publisher.stats().queued >= 20);
    const reconnected = once(publisher, "connected");
    await broker.start();
    await reconnected;
    await watcher.until("20 events", () => watcher.on("facegate/door/event").length >= 20);
    const ids = watcher.on("facegate/door/event").map((m) => JSON.parse(m.payload).track_id);
    assert.deepEqual(
      ids,
      Array.from({ length: 20 }, (_, i) => `t${i}`),
    );
    assert.equal(publisher.stats().dropped, 0);
    assert.equal(publisher.stats().queued, 0);
    await publisher.stop();
    await watcher.end();
    await broker.stop();
  });

  it("drops the oldest when the bound is hit and counts them", async () => {
    const broker = await startMosquitto(true);
    const dir = tempDir("facegate-outbox-");
    const { publisher } = await connectedPublisher(broker.url, {
      outbox: { max_messages: 5, path: join(dir, "outbox.json") },
    });
    const watcher = await Collector.connect(broker.url, ["facegate/door/event"], {
      clean: false,
      clientId: "bound-watcher",
    });
    const disconnected = once(publisher, "disconnected");
    await broker.stop();
    await disconnected;
    for (let i = 0; i < 8; i++) publisher.publish(messages.event(publisher.topics, event(i)));
    assert.deepEqual(
      { queued: publisher.stats().queued, dropped: publisher.stats().dropped },
      { queued: 5, dropped: 3 },
    );
    const reconnected = once(publisher, "connected");
    await broker.start();
    await reconnected;
    await watcher.until("5 events", () => watcher.on("facegate/door/event").length >= 5);
    const ids = watcher.on("facegate/door/event").map((m) => JSON.parse(m.payload).track_id);
    assert.deepEqual(ids, ["t3", "t4", "t5", "t6", "t7"]);
    await publisher.stop();
    await watcher.end();
    await broker.stop();
  });
});
