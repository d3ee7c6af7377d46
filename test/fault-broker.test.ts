import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FaceEvent } from "../src/events/types.ts";
import {
  DaemonProcess,
  doorway,
  ENROLLED,
  TEST_THRESHOLD,
  writeGallery,
  writeSettings,
} from "./daemon-support.ts";
import { envNumber, sleep } from "./fault-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto, until } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * Broker outage while people are being identified: the real daemon on a looping doorway video, a real
 * mosquitto stopped for FACEGATE_OUTAGE_S seconds (default 15; the figure is 60:
 * `FACEGATE_OUTAGE_S=60 node --import tsx --test test/fault-broker.test.ts`) and started again on the same
 * port. Ground truth is the daemon's own log of the events it produced; the subscriber (a persistent QoS 1
 * session, so that it misses nothing while the broker is down either) must receive exactly those, in order.
 */
describe("broker down: events wait in the outbox", { skip: data ? false : NO_SHARED_DATA }, () => {
  const outageS = envNumber("FACEGATE_OUTAGE_S", 15);
  const dir = tempDir("facegate-fault-broker-");
  const daemons: DaemonProcess[] = [];
  const brokers: Mosquitto[] = [];
  const collectors: Collector[] = [];
  let video = "";
  let gallery = "";

  before(async () => {
    const made = await doorway(data as string, {
      dir,
      visitors: ENROLLED.map((identity) => ({ identity, masked: false })),
      visibleS: 2,
      gapS: 1.2,
    });
    gallery = join(dir, "gallery");
    writeGallery(gallery, made.galleries[2]);
    video = made.video.path;
  });

  after(async () => {
    if (process.env.FACEGATE_FAULT_DEBUG) for (const d of daemons) console.error(d.output.slice(-6000));
    for (const d of daemons) await d.kill("SIGKILL");
    for (const c of collectors) await c.end();
    for (const b of brokers) await b.stop();
  });

  async function setUp(name: string, outbox: Record<string, unknown>) {
    const broker = await startMosquitto(true);
    brokers.push(broker);
    // A persistent session: the broker keeps what arrives for it while it is away (and across the restart).
    const c = await Collector.connect(broker.url, ["fg/#"], { clean: false, clientId: `watch-${name}` });
    collectors.push(c);
    const config = join(dir, `${name}.yaml`);
    writeSettings(config, {
      gallery,
      recognition: { threshold: TEST_THRESHOLD, masked_threshold: TEST_THRESHOLD },
      mqtt: { url: broker.url, topic_prefix: "fg", homeassistant: { enabled: false }, outbox },
      cameras: { door: { source: video, loop: true } },
      presence: { away_after_s: 600 },
    });
    const d = new DaemonProcess(config);
    daemons.push(d);
    const key = (type: unknown, name: unknown, track: unknown) => `${type} ${name ?? "unknown"} ${track}`;
    /** Every face event the daemon produced, in order, from its log. */
    const produced = () =>
      d.output
        .split("\n")
        .filter((l) => l.startsWith("{") && l.includes('"msg":"face '))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .map((l) => key(String(l.msg).slice(5), l.person, l.track));
    const received = () =>
      c
        .on("fg/door/event")
        .map((m) => JSON.parse(m.payload) as FaceEvent)
        .map((e) => key(e.type, e.name, e.track_id));
    return { broker, c, d, produced, received };
  }

  it(`delivers every event produced during a ${outageS} s outage, in order, after the broker is back`, async (t) => {
    const { broker, c, d, produced, received } = await setUp("outage", {});
    await c.until(
      "two people identified",
      () => received().filter((e) => e.startsWith("identified")).length >= 2,
      90_000,
    );
    assert.equal(c.on("fg/status").at(-1)?.payload, "online");

    const atStop = produced().length;
    await broker.stop();
    await until(
      "daemon noticed",
      () => d.logs("MQTT broker unreachable; queueing events until it is back").length > 0,
      30_000,
    );
    await sleep(outageS * 1000);
    const duringOutage = produced().length - atStop;
    t.diagnostic(`${duringOutage} events produced while the broker was down for ${outageS} s`);
    assert.ok(
      produced()
        .slice(atStop)
        .some((e) => e.startsWith("identified")),
      "someone was identified during the outage",
    );

    await broker.start(); // same port, same persistence folder
    await until("daemon reconnected", () => d.logs("outbox flushed after reconnect").length >= 1, 60_000);
    const flushed = d.logs("outbox flushed after reconnect").at(-1) as Record<string, unknown>;
    t.diagnostic(
      `outbox flush after reconnect: ${JSON.stringify({ sent: flushed.sent, dropped: flushed.dropped })}`,
    );
    assert.equal(flushed.dropped, 0, "nothing dropped: the default bound (1000) was not reached");
    const expected = produced();
    // QoS 1 is "at least once": a message in flight when the broker went down (published, its PUBACK lost)
    // is sent again. Each event's key (type, name, track) is unique, so a repeat is recognisable and counted.
    const distinct = () => [...new Set(received())];
    await c.until("everything delivered", () => distinct().length >= expected.length, 60_000);
    assert.deepEqual(distinct().slice(0, expected.length), expected, "every event, in order");
    const repeats = received().length - distinct().length;
    t.diagnostic(`${repeats} event(s) delivered twice (in flight at the outage)`);
    assert.ok(repeats <= 2, `only what was in flight at the outage is repeated (${repeats} repeats)`);
    await c.until("online again", () => c.on("fg/status").at(-1)?.payload === "online", 10_000);

    // The last will: a daemon killed outright (power cut) is reported offline by the broker.
    await d.kill("SIGKILL");
    await c.until("last will", () => c.on("fg/status").at(-1)?.payload === "offline", 30_000);
  });

  it("drops the oldest events once the outbox bound is hit, and counts them", async (t) => {
    const max = 4;
    const { broker, c, d, produced, received } = await setUp("bound", { max_messages: max });
    await c.until("someone identified", () => received().some((e) => e.startsWith("identified")), 90_000);
    const atStop = produced().length;
    // What the subscriber already had when the broker went down: the daemon's log line for an event can come
    // after the event reached the subscriber, so `atStop` alone may count a delivered event as produced later.
    const receivedAtStop = received().length;
    await broker.stop();
    await until(
      "daemon noticed",
      () => d.logs("MQTT broker unreachable; queueing events until it is back").length > 0,
      30_000,
    );
    // Enough events to overflow: the queue also holds retained state (presence, last_identified, camera status).
    await until(
      "outbox overflowed",
      () => d.logs("outbox full: dropping the oldest queued messages").length > 0,
      120_000,
    );
    await until("more events", () => produced().length >= atStop + max + 2, 120_000);
    const lost = produced().slice(atStop);
    await broker.start();
    await until("daemon reconnected", () => d.logs("outbox flushed after reconnect").length >= 1, 60_000);
    const flushed = d.logs("outbox flushed after reconnect").at(-1) as Record<string, unknown>;
    t.diagnostic(
      `bound ${max}: ${JSON.stringify({ sent: flushed.sent, dropped: flushed.dropped })}, ${lost.length} events produced offline`,
    );
    assert.ok(Number(flushed.dropped) > 0, "drops are counted");
    assert.ok(Number(flushed.sent) <= max, "no more than the bound is sent");
    // What arrives of the offline period is its newest part, in order: the oldest were dropped.
    await sleep(2000);
    const got = received();
    const deliveredBefore = new Set(got.slice(0, receivedAtStop));
    const offline = lost.filter((e) => !deliveredBefore.has(e));
    const offlineDelivered = got.slice(receivedAtStop).filter((e) => offline.includes(e));
    assert.ok(offlineDelivered.length < offline.length, "some offline events were dropped");
    const tail = offline.slice(offline.length - offlineDelivered.length);
    assert.deepEqual(offlineDelivered, tail, "the newest ones are kept, in order");
  });
});
