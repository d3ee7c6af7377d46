import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Gallery } from "../src/recognition/gallery.ts";
import { serializeGallery } from "../src/recognition/gallery-file.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { DaemonProcess, writeSettings } from "./daemon-support.ts";
import { HAVE_MODELS, runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { makeTestImage, makeTestPattern } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto, until } from "./mqtt-support.ts";

/** A gallery of made-up people (random unit vectors): valid for the reader, no face photos needed. */
function syntheticGallery(embedderId: string, dim: number, names: string[]): string {
  const g = new Gallery(embedderId, dim);
  for (const name of names) {
    const v = Float32Array.from({ length: dim }, () => Math.random() - 0.5);
    const norm = Math.hypot(...v);
    g.put({
      name,
      enrolledAt: new Date().toISOString(),
      templates: [{ space: "full", vector: v.map((x) => x / norm), source: `${name}.jpg`, masked: false }],
    });
  }
  return serializeGallery(g);
}

/**
 * Damaged galleries (truncated, corrupt bytes, empty, made by another embedder): the CLI refuses them with a
 * clear error and never overwrites them; the running daemon refuses them on reload, keeps the gallery it has,
 * and says so on `<prefix>/error`. SIGHUP reloads a good one while running. Needs the models, not the shared
 * face data.
 */
describe("damaged gallery files and SIGHUP", {
  skip: HAVE_MODELS ? false : "models/ are not fetched",
}, () => {
  const dir = tempDir("facegate-fault-gallery-");
  let embedderId = "";
  let dim = 0;
  let good = "";
  let damaged: Record<string, { text: string | Buffer; message: RegExp }> = {};
  let broker: Mosquitto | null = null;
  let collector: Collector | null = null;
  let daemon: DaemonProcess | null = null;

  before(async () => {
    const vision = new VisionClient({});
    await vision.start();
    embedderId = vision.embedderId;
    dim = vision.embedderDim;
    await vision.stop();
    good = syntheticGallery(embedderId, dim, ["Alice", "Bob"]);
    damaged = {
      truncated: { text: good.slice(0, Math.floor(good.length / 2)), message: /not valid JSON|truncated/ },
      corrupt: {
        text: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)),
        message: /not valid JSON|not a facegate gallery|cannot/,
      },
      empty: { text: "", message: /is empty/ },
      foreign: {
        text: syntheticGallery("other-embedder-1", 8, ["Mallory"]),
        message: /was made with embedder "other-embedder-1"/,
      },
    };
  });

  after(async () => {
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
  });

  it("the CLI refuses each damaged gallery with a clear error and leaves it as it was", async () => {
    const people = join(dir, "people", "Carol");
    mkdirSync(people, { recursive: true });
    await makeTestImage(join(people, "1.jpg"));
    for (const [kind, { text, message }] of Object.entries(damaged)) {
      const gallery = join(dir, `cli-${kind}`);
      writeFileSync(gallery, text);
      // enroll loads the models first (seconds): once for a damaged file, once for a foreign one.
      if (kind === "truncated" || kind === "foreign") {
        const enroll = await runCli(["enroll", join(dir, "people"), "--gallery", gallery]);
        assert.equal(enroll.code, 1, `${kind}: enroll fails`);
        assert.match(enroll.stderr, message, `${kind}: ${enroll.stderr}`);
        assert.ok(enroll.stderr.includes(gallery), `${kind}: the message names the file`);
      }
      assert.deepEqual(readFileSync(gallery), Buffer.from(text), `${kind}: not overwritten`);
      assert.equal(existsSync(`${gallery}.prev`), false, `${kind}: not rotated to .prev`);
      if (kind !== "foreign") {
        const list = await runCli(["gallery", "list", "--gallery", gallery]);
        assert.equal(list.code, 1, `${kind}: gallery list fails`);
        assert.match(list.stderr, message);
      }
    }
  });

  it("the daemon refuses them on reload, keeps its gallery, and reloads a good one on SIGHUP", async () => {
    const state = join(dir, "state");
    mkdirSync(state);
    const gallery = join(state, "gallery");
    writeFileSync(gallery, good);
    broker = await startMosquitto();
    const c = await Collector.connect(broker.url, ["fg/#"]);
    collector = c;
    const video = await makeTestPattern(join(dir, "pattern.mp4"), { seconds: 3 });
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery,
      mqtt: { url: broker.url, topic_prefix: "fg", homeassistant: { enabled: false } },
      cameras: { door: { source: video, loop: true } },
    });
    const d = new DaemonProcess(config);
    daemon = d;
    await until("running", () => d.logs("facegate running").length === 1, 90_000);
    assert.equal(d.logs("gallery loaded")[0]?.people, 2);
    const errors = () =>
      c
        .on("fg/error")
        .filter((m) => m.payload !== "")
        .map((m) => JSON.parse(m.payload) as { source: string; message: string });

    for (const [kind, { text, message }] of Object.entries(damaged)) {
      const failuresBefore = d.logs("reload failed; keeping the gallery in use").length;
      const errorsBefore = errors().length;
      writeFileSync(gallery, text); // in place, as a broken copy or a full disk would leave it
      await c.until(`${kind} refused`, () => errors().length > errorsBefore, 20_000);
      assert.equal(errors().at(-1)?.source, "reload");
      assert.match(errors().at(-1)?.message ?? "", message, kind);
      await until(
        "logged",
        () => d.logs("reload failed; keeping the gallery in use").length > failuresBefore,
        10_000,
      );
    }
    assert.equal(d.logs("gallery reloaded").length, 0, "no damaged gallery was taken");

    // A good gallery again (picked up by the watcher), then SIGHUP: both reload, the error is cleared.
    writeFileSync(gallery, syntheticGallery(embedderId, dim, ["Alice", "Bob", "Carol"]));
    await until("file reload", () => d.logs("gallery reloaded").length >= 1, 20_000);
    const reloads = d.logs("gallery reloaded").length;
    d.child.kill("SIGHUP");
    await until("SIGHUP reload", () => d.logs("gallery reloaded").length > reloads, 20_000);
    assert.equal(d.logs("gallery reloaded").at(-1)?.trigger, "SIGHUP");
    assert.equal(d.logs("gallery reloaded").at(-1)?.people, 3);
    assert.equal(c.on("fg/error").at(-1)?.payload, "", "the retained error is cleared");
    assert.equal(await d.kill("SIGTERM"), 0);
  });
});
