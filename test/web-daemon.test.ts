/**
 * The web room inside the real daemon (`facegate run`, a child process) on a looping video, against a real
 * mosquitto, over real HTTP with the web password: a stranger's visit is `unknown`, its capture is assigned
 * through the API, and the person's next visit is `identified` on MQTT with that name; a visitor the gallery names
 * wrongly is rejected ("not this person") and their next visit is no longer given the name, while the person
 * themself still is. Then a real `facegate enroll` and photo uploads through the API change the gallery at the
 * same time, and nothing is lost.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import type { FaceEvent } from "../src/events/types.ts";
import { readGalleryFile } from "../src/recognition/gallery-file.ts";
import { buildMatcher, calibrationFor, defaultCalibrationPath } from "../src/recognition/recognizer.ts";
import { WEIGHTS_DIR } from "../src/vision/factory.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import {
  DaemonProcess,
  enrollPeople,
  lfwRows,
  singleFacePhotos,
  writeGallery,
  writeSettings,
} from "./daemon-support.ts";
import { runCli } from "./helpers/cli.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir, walkInOut } from "./helpers/video.ts";
import { Collector, freePort, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();
const PASSWORD = "door-page-secret";
const AUTH = { authorization: `Basic ${Buffer.from(`facegate:${PASSWORD}`).toString("base64")}` };

describe("facegate run: teaching from the web page", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-webdaemon-"));
  let broker: Mosquitto | null = null;
  let collector: Collector | null = null;
  let daemon: DaemonProcess | null = null;

  after(async () => {
    await daemon?.kill("SIGTERM");
    await collector?.end();
    await broker?.stop();
  });

  it("assign names the next visit, reject stops a wrong name, CLI enroll and the page lose nothing", async () => {
    const rows = lfwRows(data as string);
    const files = (identity: string, role: string) =>
      rows.filter((r) => r.identity === identity && r.role === role && !r.masked).map((r) => r.path);
    const [jackGallery] = await enrollPeople([{ name: "Jack_Straw", files: files("Jack_Straw", "enroll") }]);
    const [bill, jack] = await singleFacePhotos([
      files("Bill_Clinton", "probe"),
      files("Jack_Straw", "probe"),
    ]);
    // John Bolton (never enrolled) resembles Jack Straw: his photo the gallery names Jack Straw most surely.
    const bolton = await mostWronglyNamed(jackGallery, [
      ...files("John_Bolton", "enroll"),
      ...files("John_Bolton", "probe"),
    ]);

    const gallery = join(dir, "state", "gallery");
    mkdirSync(join(dir, "state"));
    writeGallery(gallery, jackGallery);
    const video = await makeVideo({
      out: join(dir, "door.mp4"),
      segments: walkInOut([{ path: bill }, { path: bolton }, { path: jack }], { visibleS: 2.5, gapS: 1.5 }),
    });
    broker = await startMosquitto();
    const c = await Collector.connect(broker.url, ["facegate/door/event"]);
    collector = c;
    const port = await freePort();
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "state/gallery",
      mqtt: { url: broker.url },
      web: { port },
      cameras: { door: { source: video.path, loop: true } },
    });
    const d = new DaemonProcess(config, { FACEGATE_WEB_PASSWORD: PASSWORD });
    daemon = d;
    const api = async (method: string, path: string, body?: unknown, type = "application/json") => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: body === undefined ? AUTH : { ...AUTH, "content-type": type },
        body:
          body === undefined
            ? undefined
            : Buffer.isBuffer(body)
              ? new Uint8Array(body)
              : JSON.stringify(body),
      });
      const text = await res.text();
      return {
        status: res.status,
        json: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text,
      };
    };
    // Decisions in video order: visit i shows Bill (i % 3 = 0), Bolton (1) or Jack (2).
    const decisions = () =>
      c
        .on("facegate/door/event")
        .map((m) => JSON.parse(m.payload) as FaceEvent)
        .filter((e) => e.type !== "left");
    const who = (i: number) => `${decisions()[i]?.type} ${decisions()[i]?.name}`;
    const captureOf = async (event: FaceEvent) => {
      for (let tries = 0; tries < 100; tries++) {
        const list = (await api("GET", "/api/captures?limit=1000")).json as {
          id: string;
          track_id: string;
        }[];
        const found = Array.isArray(list) ? list.find((x) => x.track_id === event.track_id) : undefined;
        if (found) return found.id;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no capture of ${event.track_id}`);
    };

    await c.until("Bill's first visit decided", () => decisions().length >= 1, 60_000);
    assert.equal(who(0), "unknown null", "Bill Clinton is not enrolled yet");
    const assigned = await api("POST", `/api/captures/${await captureOf(decisions()[0])}/assign`, {
      name: "Bill Clinton",
    });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.json));

    await c.until("Bolton's first visit decided", () => decisions().length >= 2, 30_000);
    assert.equal(who(1), "identified Jack_Straw", "John Bolton is wrongly named Jack Straw");
    const rejected = await api("POST", `/api/captures/${await captureOf(decisions()[1])}/reject`);
    assert.equal(rejected.status, 200, JSON.stringify(rejected.json));

    await c.until("the second round of visits decided", () => decisions().length >= 6, 60_000);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(who), [
      "unknown null",
      "identified Jack_Straw",
      "identified Jack_Straw",
      "identified Bill Clinton", // named after one assignment
      "unknown null", // not Jack Straw any more
      "identified Jack_Straw", // Jack Straw himself still is
    ]);
    const cameras = (await api("GET", "/api/cameras")).json as { name: string; state: string; fps: number }[];
    assert.equal(cameras[0].name, "door");
    assert.equal(cameras[0].state, "running");
    assert.ok(cameras[0].fps > 0);
    const unauthenticated = await fetch(`http://127.0.0.1:${port}/api/people`);
    assert.equal(unauthenticated.status, 401);

    // A real `facegate enroll` (analysing photos for seconds) while the page adds people: nothing is lost.
    const people = join(dir, "people");
    for (const name of ["Condoleezza_Rice", "Hans_Blix"]) {
      mkdirSync(join(people, name), { recursive: true });
      for (const f of [...files(name, "enroll"), ...files(name, "probe")])
        symlinkSync(f, join(people, name, basename(f)));
    }
    let enrolling = true;
    const enroll = runCli(["enroll", people, "--gallery", gallery]).finally(() => {
      enrolling = false;
    });
    const uploaded: string[] = [];
    const duringEnroll: string[] = [];
    const photo = readFileSync(bill);
    for (let i = 0; enrolling || i < 2; i++) {
      const name = `Visitor ${i}`;
      const r = await api("POST", `/api/people/${encodeURIComponent(name)}/photos`, photo, "image/jpeg");
      assert.equal(r.status, 201, JSON.stringify(r.json));
      uploaded.push(name);
      if (enrolling) duringEnroll.push(name);
    }
    const cli = await enroll;
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok(duringEnroll.length >= 2, `uploads while enroll ran: ${duringEnroll.length}`);
    const names = readGalleryFile(gallery)?.names() ?? [];
    for (const name of ["Bill Clinton", "Condoleezza_Rice", "Hans_Blix", "Jack_Straw", ...uploaded])
      assert.ok(names.includes(name), `${name} in the gallery (${names.join(", ")})`);
    assert.equal(readGalleryFile(gallery)?.people.get("Jack_Straw")?.negatives?.length, 2);

    assert.equal(await d.kill("SIGTERM"), 0);
    daemon = null;
  });
});

/** The photo (one face only) whose face the gallery names with the highest score: a wrong name, sure of itself. */
async function mostWronglyNamed(
  gallery: import("../src/recognition/gallery.ts").Gallery,
  candidates: string[],
) {
  const vision = new VisionClient({});
  await vision.start();
  try {
    const matcher = buildMatcher(
      gallery,
      calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), vision.embedderId),
    );
    let best: { file: string; score: number } | null = null;
    for (const file of candidates) {
      const { faces } = await vision.analyzeEncoded(readFileSync(file));
      if (faces.length !== 1) continue;
      const m = matcher.match(faces[0]);
      if (m.name !== null && (!best || m.score > best.score)) best = { file, score: m.score };
    }
    if (!best) throw new Error("no photo of the stranger is named wrongly: pick another pair");
    return best.file;
  } finally {
    await vision.stop();
  }
}
