import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import type { FaceEvent } from "../src/events/types.ts";
import { buildMatcher, calibrationFor, defaultCalibrationPath } from "../src/recognition/recognizer.ts";
import { WEIGHTS_DIR } from "../src/vision/factory.ts";
import {
  analyzePhotos,
  DaemonProcess,
  ENROLLED,
  enrollPeople,
  enrollPhotos,
  lfwRows,
  writeGallery,
  writeSettings,
} from "./daemon-support.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir, type VideoSegment } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * Visits through the whole daemon (child process, real mosquitto, an ffmpeg video of lfw-dev photos, the calibrated
 * thresholds): somebody who steps into the spot another just left gets a visit of their own, and a visit announced
 * `unknown` becomes `identified` once better faces come, without being split when the face comes into focus.
 */
describe("facegate run: one visit per person", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-visits-"));
  let broker: Mosquitto;
  let collector: Collector;
  let daemon: DaemonProcess;
  let a: string;
  let b: string;

  before(async () => {
    const rows = lfwRows(data as string);
    const galleries = await enrollPeople(
      ENROLLED.map((name) => ({
        name,
        files: enrollPhotos(rows, name),
      })),
    );
    const gallery = galleries[galleries.length - 1];
    writeGallery(join(dir, "gallery"), gallery);
    const matcher = buildMatcher(
      gallery,
      calibrationFor(defaultCalibrationPath(WEIGHTS_DIR), gallery.embedderId),
    );
    a = ENROLLED[0];
    b = ENROLLED[1];
    // The first photo that shows one face, named as the product names it (a, b), or nobody (a stranger).
    const pick = async (identity: string | null, ok: (name: string | null, score: number) => boolean) => {
      const paths = rows
        .filter(
          (r) =>
            !r.masked && (identity ? r.identity === identity && r.role === "probe" : r.role === "unknown"),
        )
        .slice(0, 20)
        .map((r) => r.path);
      for (const [path, faces] of await analyzePhotos(paths)) {
        const m = faces.length === 1 ? matcher.match(faces[0]) : null;
        if (m && ok(m.name, m.score)) return path;
      }
      throw new Error(`no suitable photo of ${identity ?? "a stranger"}`);
    };
    const aPhoto = await pick(a, (name, score) => name === a && score > 0.6);
    const bPhoto = await pick(b, (name, score) => name === b && score > 0.6);
    const stranger = await pick(null, (name) => name === null);
    // the same photo of A with a mask drawn on (lfw-dev's masked twin): A puts a mask on, or takes it off
    const stem = basename(aPhoto).replace(/\.[^.]+$/, "");
    const aMasked = rows.find(
      (r) => r.masked && r.identity === a && basename(r.path).startsWith(`${stem}__`),
    )?.path;
    if (!aMasked) throw new Error(`no masked twin of ${aPhoto}`);
    // A seen out of focus first (as someone coming from afar): still A's best candidate, but nobody is named.
    let faint: string | null = null;
    for (const sigma of [3, 4, 5, 6, 8]) {
      const path = join(dir, `faint-${sigma}.png`);
      await sharp(aPhoto).blur(sigma).png().toFile(path);
      const faces = (await analyzePhotos([path])).get(path) ?? [];
      const m = faces.length === 1 ? matcher.match(faces[0]) : null;
      if (m && m.name === null && m.candidate === a) {
        faint = path;
        break;
      }
    }
    if (!faint) throw new Error(`no blur leaves ${a} unnamed but best candidate`);
    // Everyone stands at the same spot, the same size: only their faces tell them apart.
    const at = (path: string, label: string, seconds: number): VideoSegment => ({
      seconds,
      photos: [{ path, label, height: 0.55, from: [0.5, 0.5] }],
    });
    const video = await makeVideo({
      out: join(dir, "visits.mp4"),
      segments: [
        { seconds: 1 },
        at(aPhoto, a, 4),
        at(bPhoto, b, 4), // steps in as A steps out: no empty frame between them
        { seconds: 1.5 },
        at(aPhoto, a, 4),
        at(stranger, "stranger", 4),
        { seconds: 1.5 },
        at(faint, `${a} out of focus`, 3.5),
        at(aPhoto, a, 3),
        { seconds: 1.5 },
        at(aMasked, `${a} masked`, 3),
        at(aPhoto, a, 3), // takes the mask off: the same visit
        { seconds: 1.5 },
      ],
    });
    broker = await startMosquitto();
    collector = await Collector.connect(broker.url, ["facegate/#"]);
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "gallery",
      mqtt: { url: broker.url, topic_prefix: "facegate", homeassistant: { enabled: false } },
      cameras: { door: { source: video.path } },
      presence: { away_after_s: 600 },
    });
    daemon = new DaemonProcess(config);
  });

  after(async () => {
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const events = () => collector.on("facegate/door/event").map((m) => JSON.parse(m.payload) as FaceEvent);

  it("gives a follower a visit of their own, upgrades an unknown visit when the face comes clear, keeps one visit when the mask comes off", async (t) => {
    await collector.until(
      "six visits gone",
      () => events().filter((e) => e.type === "left").length >= 6,
      90_000,
    );
    const list = events().slice(0, 13); // the camera replays its file after the end
    t.diagnostic(JSON.stringify(list.map((e) => [e.type, e.name, e.track_id, e.box, e.score])));
    assert.deepEqual(
      list.map((e) => `${e.type} ${e.name ?? "-"}`),
      [
        `identified ${a}`,
        `left ${a}`,
        `identified ${b}`,
        `left ${b}`,
        `identified ${a}`,
        `left ${a}`,
        "unknown -",
        "left -",
        "unknown -",
        `identified ${a}`,
        `left ${a}`,
        `identified ${a}`,
        `left ${a}`,
      ],
    );
    const ids = list.map((e) => e.track_id);
    // decisions and their left share a track id; each visit has its own
    assert.deepEqual(
      [
        ids[0] === ids[1],
        ids[2] === ids[3],
        ids[4] === ids[5],
        ids[6] === ids[7],
        ids[8] === ids[9],
        ids[9] === ids[10],
        ids[11] === ids[12],
      ],
      [true, true, true, true, true, true, true],
    );
    assert.equal(new Set([ids[0], ids[2], ids[4], ids[6], ids[8], ids[11]]).size, 6);
    assert.equal(list[9].first_seen, list[8].first_seen, "the upgrade is the same visit");
  });
});
