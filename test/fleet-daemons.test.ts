import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { FaceEvent } from "../src/events/types.ts";
import type { FleetApplied } from "../src/mqtt/topics.ts";
import { writeGalleryFile } from "../src/recognition/gallery-file.ts";
import {
  DaemonProcess,
  ENROLLED,
  enrollPeople,
  enrollPhotos,
  lfwRows,
  singleFacePhotos,
  TEST_THRESHOLD,
  writeSettings,
} from "./daemon-support.ts";
import { jsonLines, runCli } from "./helpers/cli.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";
import { Collector, type Mosquitto, type Received, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();
const TOPIC = "facegate/fleet/gallery";
const DOORS = ["door1", "door2", "door3"] as const;
const [GUL, CLINTON] = ENROLLED;
const WIDTH = 480;
const HEIGHT = 360;

/** Where each person walks in the video (fraction of the width): the box of an event says who it was. */
const LANES = { [GUL]: 0.22, [CLINTON]: 0.5, stranger: 0.78 } as const;
type Who = keyof typeof LANES;

function whoIs(e: FaceEvent): Who {
  const x = (e.box[0] + e.box[2] / 2) / WIDTH;
  return x < 0.36 ? GUL : x < 0.64 ? CLINTON : "stranger";
}

const last = <T>(items: T[], check: (item: T) => boolean): T | undefined => items.filter(check).at(-1);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];

/**
 * Three real daemons (distinct topic prefixes) on one real mosquitto, each watching a looping video in which
 * two people and a stranger walk past in turn. The gallery reaches them only through `facegate fleet publish`.
 * Kept light for a busy 2-core machine: 480×360 at 5 fps, BlazeFace, no Home Assistant.
 */
describe("fleet: three doors, one signed gallery", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-fleet-doors-"));
  let broker: Mosquitto | null = null;
  let c: Collector | null = null;
  const daemons = new Map<string, DaemonProcess>();

  after(async () => {
    for (const d of daemons.values()) await d.kill("SIGKILL");
    await c?.end();
    await broker?.stop();
  });

  test("unknown before; named after publish; removal, refusals, and a late door", async (t) => {
    const rows = lfwRows(data as string);
    const enroll = (name: string) => enrollPhotos(rows, name);
    const probes = (name: string | null, role: string) =>
      rows
        .filter((r) => (name === null || r.identity === name) && r.role === role && !r.masked)
        .map((r) => r.path);
    const [onlyGul, both] = await enrollPeople([GUL, CLINTON].map((name) => ({ name, files: enroll(name) })));
    const [gulPhoto, clintonPhoto, strangerPhoto] = await singleFacePhotos([
      probes(GUL, "probe"),
      probes(CLINTON, "probe"),
      probes(null, "unknown").slice(0, 20),
    ]);
    // Each walks in their own lane, away from the next one's, with 2 s of empty doorway between: the tracker
    // must not carry one visit into the next.
    const walk = (path: string, who: Who, dx: number, dy: number) => ({
      seconds: 2.4,
      photos: [
        {
          path,
          height: 0.6,
          from: [LANES[who] - dx, 0.5 - dy] as const,
          to: [LANES[who] + dx, 0.5 + dy] as const,
        },
      ],
    });
    const video = await makeVideo({
      out: join(dir, "doorway.mp4"),
      width: WIDTH,
      height: HEIGHT,
      fps: 5,
      segments: [
        { seconds: 2 },
        walk(gulPhoto, GUL, -0.03, 0),
        { seconds: 2 },
        walk(clintonPhoto, CLINTON, 0, 0.03),
        { seconds: 2 },
        walk(strangerPhoto, "stranger", 0.03, 0),
      ],
    });

    broker = await startMosquitto();
    const col = await Collector.connect(broker.url, ["+/door/event", "+/fleet/applied", "+/error", TOPIC]);
    c = col;
    const keys = join(dir, "keys");
    assert.equal((await runCli(["fleet", "keygen", keys])).code, 0);
    const galleryOf = (door: string) => join(dir, door, "gallery.json");
    const start = (door: string) => {
      const config = join(dir, door, "facegate.yaml");
      mkdirSync(join(dir, door), { recursive: true });
      writeSettings(config, {
        gallery: "gallery.json",
        detector: { kind: "blazeface" },
        recognition: { threshold: TEST_THRESHOLD, min_agreeing_frames: 2, max_attempts_per_track: 4 },
        mqtt: { url: broker?.url, topic_prefix: door, homeassistant: { enabled: false } },
        fleet: { public_key: join(keys, "fleet.pub"), topic: TOPIC },
        cameras: { door: { source: video.path, loop: true, width: WIDTH, height: HEIGHT } },
        stats_interval_s: 600,
      });
      daemons.set(door, new DaemonProcess(config));
    };
    for (const door of DOORS) start(door);

    const decisions = (door: string, since = 0) =>
      col
        .on(`${door}/door/event`)
        .map((m: Received) => JSON.parse(m.payload) as FaceEvent)
        .filter((e) => e.type !== "left" && Date.parse(e.first_seen) > since);
    const applied = (door: string) =>
      col.on(`${door}/fleet/applied`).map((m: Received) => JSON.parse(m.payload) as FleetApplied);
    const fleetErrors = (door: string) =>
      col
        .on(`${door}/error`)
        .filter((m: Received) => m.payload !== "" && JSON.parse(m.payload).source === "fleet");
    /** Waits until, in tracks that began after `since`, each door decided on all three walkers; returns names. */
    const namesAfter = async (doors: readonly string[], since: number, what: string) => {
      const pick = (door: string) => {
        const seen = new Map<Who, string>();
        for (const e of decisions(door, since))
          if (!seen.has(whoIs(e))) seen.set(whoIs(e), e.name ?? "unknown");
        return seen;
      };
      await col.until(what, () => doors.every((d) => pick(d).size === 3), 90_000);
      return Object.fromEntries(doors.map((d) => [d, Object.fromEntries(pick(d))]));
    };
    const latencies: number[] = [];
    /** Publishes with the CLI; resolves once every listed door reported the version as applied. */
    const publish = async (gallery: string, doors: readonly string[], key = join(keys, "fleet.key")) => {
      const run = await runCli([
        "fleet",
        "publish",
        "--gallery",
        gallery,
        "--key",
        key,
        "--mqtt-url",
        broker?.url ?? "",
        "--json",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const { version, acked_at } = jsonLines(run.stdout)[0] as { version: number; acked_at: string };
      await col.until(
        `version ${version} applied on ${doors.join(", ")}`,
        () => doors.every((d) => applied(d).some((a) => a.version === version)),
        60_000,
      );
      const arrived = (m: Received | undefined) => (m ? col.arrivedAt(m) : Number.NaN);
      const at = (door: string) =>
        last(
          col.messages,
          (m: Received) => m.topic === `${door}/fleet/applied` && JSON.parse(m.payload).version === version,
        );
      // from the broker's PUBACK to the CLI to each door's `applied` reaching the test's subscriber
      for (const d of doors) latencies.push(arrived(at(d)) - Date.parse(acked_at));
      return { version, appliedAt: Math.max(...doors.map((d) => arrived(at(d)))) };
    };

    // 1. No gallery anywhere yet: every face is unknown.
    const before = await namesAfter(DOORS, 0, "a first decision on every walker, at every door");
    for (const door of DOORS)
      assert.deepEqual(before[door], { [GUL]: "unknown", [CLINTON]: "unknown", stranger: "unknown" }, door);

    // 2. Publish both people: all three doors name them, the stranger stays unknown.
    const publisherGallery = join(dir, "publisher", "gallery.json");
    writeGalleryFile(publisherGallery, both);
    const v1 = await publish(publisherGallery, DOORS);
    const named = await namesAfter(DOORS, v1.appliedAt, "decisions after v1");
    for (const door of DOORS)
      assert.deepEqual(named[door], { [GUL]: GUL, [CLINTON]: CLINTON, stranger: "unknown" }, door);
    const v1Text = last(col.messages, (m: Received) => m.topic === TOPIC)?.payload as string;

    // 3. Re-publish without Clinton: he is unknown again everywhere.
    writeGalleryFile(publisherGallery, onlyGul);
    const v2 = await publish(publisherGallery, DOORS);
    assert.ok(v2.version > v1.version);
    const removed = await namesAfter(DOORS, v2.appliedAt, "decisions after v2");
    for (const door of DOORS)
      assert.deepEqual(removed[door], { [GUL]: GUL, [CLINTON]: "unknown", stranger: "unknown" }, door);
    const v2Text = last(col.messages, (m: Received) => m.topic === TOPIC)?.payload as string;

    // 4. Refused by all three, with a fleet error each, nothing changing: a tampered envelope (one base64
    //    character), one signed with another key, and a replay of v1.
    const galleriesNow = DOORS.map((d) => readFileSync(galleryOf(d)));
    const reloadsNow = DOORS.map((d) => daemons.get(d)?.logs("gallery reloaded").length);
    const raw = await Collector.connect(broker.url, []);
    const refusedBy = async (what: string, send: () => Promise<void>, reason: RegExp) => {
      const counts = DOORS.map((d) => fleetErrors(d).length);
      await send();
      await col.until(
        `${what} refused by every door`,
        () => DOORS.every((d, i) => fleetErrors(d).length > counts[i]),
        30_000,
      );
      for (const d of DOORS)
        assert.match(JSON.parse(fleetErrors(d).at(-1)?.payload ?? "{}").message, reason, `${d}: ${what}`);
    };
    const envelope = JSON.parse(v2Text) as { gallery: string };
    const i = Math.floor(envelope.gallery.length / 2);
    const tampered = JSON.stringify({
      ...envelope,
      gallery:
        envelope.gallery.slice(0, i) +
        (envelope.gallery[i] === "A" ? "B" : "A") +
        envelope.gallery.slice(i + 1),
    });
    await refusedBy(
      "a tampered envelope",
      () => raw.client.publishAsync(TOPIC, tampered, { qos: 1, retain: true }).then(() => {}),
      /signature does not verify/,
    );
    const otherKeys = join(dir, "other-keys");
    assert.equal((await runCli(["fleet", "keygen", otherKeys])).code, 0);
    await refusedBy(
      "an envelope signed with another key",
      async () => {
        const run = await runCli([
          "fleet",
          "publish",
          "--gallery",
          publisherGallery,
          "--key",
          join(otherKeys, "fleet.key"),
          "--mqtt-url",
          broker?.url ?? "",
        ]);
        assert.equal(run.code, 0, run.stderr);
      },
      /signature does not verify/,
    );
    await refusedBy(
      "a replay of v1",
      () => raw.client.publishAsync(TOPIC, v1Text, { qos: 1, retain: true }).then(() => {}),
      /older than the applied version/,
    );
    await raw.end();
    DOORS.forEach((d, k) => {
      assert.deepEqual(readFileSync(galleryOf(d)), galleriesNow[k], `${d}: gallery file untouched`);
      assert.equal(daemons.get(d)?.logs("gallery reloaded").length, reloadsNow[k], `${d}: no reload`);
      assert.equal(applied(d).at(-1)?.version, v2.version, `${d}: still reports v2`);
    });

    // 5. A door that is offline during a publish gets the newest gallery when it comes back (retained).
    await daemons.get("door3")?.kill("SIGTERM");
    writeGalleryFile(publisherGallery, both);
    const v3 = await publish(publisherGallery, ["door1", "door2"]);
    const restartedAt = Date.now();
    start("door3");
    await col.until(
      "door3 applied v3 after its restart",
      () => applied("door3").some((a) => a.version === v3.version),
      60_000,
    );
    const late = await namesAfter(["door3"], restartedAt, "decisions of the restarted door3");
    assert.deepEqual(late.door3, { [GUL]: GUL, [CLINTON]: CLINTON, stranger: "unknown" });
    assert.equal(JSON.parse(readFileSync(galleryOf("door3"), "utf8")).managed_by.version, v3.version);

    t.diagnostic(
      `publish → applied over ${latencies.length} door reports: median ${median(latencies)} ms, max ${Math.max(...latencies)} ms (${latencies.join(", ")})`,
    );
  });
});
