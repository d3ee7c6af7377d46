/**
 * `facegate forget <name> --config` against real files and a real mosquitto holding retained messages: the
 * person leaves the gallery and its `.prev`, the model store, the training photos, the snapshots and the broker;
 * everyone else stays. A dry run changes nothing; a second run is a no-op; an unreachable broker is an error.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Gallery } from "../src/recognition/gallery.ts";
import { readGalleryFile, serializeGallery, writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { activateVersion, readPointer, stageVersion } from "../src/recognition/model-store.ts";
import { runCli } from "./helpers/cli.ts";
import { Collector, freePort, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const ANNA = "Anna Maria";

function galleryOf(names: string[]): Gallery {
  const g = new Gallery("test-embedder", 4);
  for (const name of names) {
    g.put({
      name,
      enrolledAt: "2024-05-01T00:00:00.000Z",
      templates: [
        { space: "full", source: `${name}.jpg`, masked: false, vector: new Float32Array([1, 0, 0, 0]) },
      ],
    });
  }
  return g;
}

/** A committed model version trained on `people`, the way `facegate train` lays it out. */
function addVersion(store: string, people: string[]): string {
  const staging = stageVersion(store);
  writeFileSync(join(staging.dir, "gallery.json"), serializeGallery(galleryOf(people)));
  writeFileSync(
    join(staging.dir, "metadata.json"),
    JSON.stringify({ format: "facegate-model", people, classes: [...people, "__unknown__"] }),
  );
  mkdirSync(join(staging.dir, "head"));
  writeFileSync(join(staging.dir, "head", "weights.bin"), Buffer.alloc(64));
  const id = staging.commit();
  activateVersion(store, id);
  return id;
}

const RETAINED: Record<string, string> = {
  "facegate/people/anna_maria": JSON.stringify({
    state: "home",
    name: ANNA,
    camera: "door",
    last_seen: null,
  }),
  "facegate/people/bob": JSON.stringify({ state: "home", name: "Bob", camera: "door", last_seen: null }),
  "homeassistant/device_tracker/facegate/person_anna_maria/config": JSON.stringify({
    name: ANNA,
    state_topic: "facegate/people/anna_maria",
  }),
  "homeassistant/device_tracker/facegate/person_bob/config": JSON.stringify({
    name: "Bob",
    state_topic: "facegate/people/bob",
  }),
  "facegate/door/last_identified": JSON.stringify({ name: ANNA, score: 0.8, masked: false, timestamp: "t" }),
  "facegate/garden/last_identified": JSON.stringify({
    name: "Bob",
    score: 0.7,
    masked: false,
    timestamp: "t",
  }),
};

async function retainedNow(url: string): Promise<Map<string, string>> {
  const c = await Collector.connect(url, ["facegate/#", "homeassistant/#"]);
  // A marker published after subscribing arrives behind every retained message.
  await c.client.publishAsync("facegate/test-sync", "x", { qos: 1 });
  await c.until("sync marker", () => c.on("facegate/test-sync").length > 0);
  await c.end();
  return new Map(c.messages.filter((m) => m.retain && m.payload !== "").map((m) => [m.topic, m.payload]));
}

describe("facegate forget", () => {
  let broker: Mosquitto;
  const work = mkdtempSync(join(tmpdir(), "facegate-forget-"));
  const state = join(work, "state");
  const gallery = join(state, "gallery.json");
  const store = join(state, "models");
  const people = join(state, "people");
  const snapshots = join(state, "snapshots");
  const config = join(work, "facegate.yaml");
  let onlyBob = "";

  before(async () => {
    broker = await startMosquitto();
    writeGalleryFile(gallery, galleryOf([ANNA, "Bob"]));
    writeGalleryFile(gallery, galleryOf([ANNA, "Bob", "Carol"]));
    onlyBob = addVersion(store, ["Bob"]);
    addVersion(store, [ANNA, "Bob"]);
    for (const p of [ANNA, "Bob"]) {
      mkdirSync(join(people, p), { recursive: true });
      writeFileSync(join(people, p, "1.jpg"), "photo");
    }
    mkdirSync(join(snapshots, "door"), { recursive: true });
    for (const f of [
      "2024-05-01T10-00-00-000Z_anna_maria.jpg",
      "2024-05-01T10-00-01-000Z_maria.jpg",
      "2024-05-01T10-00-02-000Z_unknown.jpg",
    ])
      writeFileSync(join(snapshots, "door", f), "jpeg");
    const c = await Collector.connect(broker.url, []);
    for (const [topic, payload] of Object.entries(RETAINED))
      await c.client.publishAsync(topic, payload, { qos: 1, retain: true });
    await c.end();
    writeFileSync(
      config,
      [
        `gallery: ${gallery}`,
        "training:",
        `  people: ${people}`,
        `  store: ${store}`,
        "snapshots:",
        `  dir: ${snapshots}`,
        "mqtt:",
        `  url: ${broker.url}`,
        "cameras:",
        "  door:",
        "    source: /dev/video0",
        "",
      ].join("\n"),
    );
  });

  after(async () => {
    await broker.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("--dry-run lists every place and changes nothing", async () => {
    const before = readFileSync(gallery, "utf8");
    const r = await runCli(["forget", ANNA, "--config", config, "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    for (const what of ["gallery:", "gallery.prev:", "model version:", "photos:", "snapshot:"])
      assert.match(r.stdout, new RegExp(what), `dry run names the ${what}`);
    assert.match(r.stdout, /facegate\/door\/last_identified would be cleared/);
    assert.equal(readFileSync(gallery, "utf8"), before);
    assert.ok(existsSync(join(people, ANNA)));
    assert.equal((await retainedNow(broker.url)).size, Object.keys(RETAINED).length);
  });

  test("erases the person everywhere and keeps everyone else", async () => {
    const r = await runCli(["forget", ANNA, "--config", config]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);

    for (const file of [gallery, `${gallery}.prev`]) {
      const text = readFileSync(file, "utf8");
      assert.ok(!text.includes(ANNA), `${file} no longer names her`);
      assert.equal(statSync(file).mode & 0o777, 0o600, `${file} stays 0600`);
    }
    assert.deepEqual(readGalleryFile(gallery)?.names(), ["Bob", "Carol"]);
    assert.deepEqual(readGalleryFile(`${gallery}.prev`)?.names(), ["Bob"]);

    assert.deepEqual(readdirSync(join(store, "versions")), [onlyBob], "the version trained with her is gone");
    assert.equal(readPointer(store)?.version, onlyBob, "the active model moved to one without her");

    assert.deepEqual(readdirSync(people), ["Bob"]);
    assert.deepEqual(readdirSync(join(snapshots, "door")).sort(), [
      "2024-05-01T10-00-01-000Z_maria.jpg",
      "2024-05-01T10-00-02-000Z_unknown.jpg",
    ]);

    const retained = await retainedNow(broker.url);
    assert.deepEqual(
      [...retained.keys()].sort(),
      [
        "facegate/garden/last_identified",
        "facegate/people/bob",
        "homeassistant/device_tracker/facegate/person_bob/config",
      ],
      "only messages about others remain retained",
    );
  });

  test("a second run finds nothing and succeeds", async () => {
    const r = await runCli(["forget", ANNA, "--config", config]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing on disk named Anna Maria/);
    assert.match(r.stdout, /no retained message about them/);
  });

  test("an unreachable broker is a failure to retry, after the files are done", async () => {
    const port = await freePort();
    const other = join(work, "unreachable.yaml");
    writeFileSync(other, readFileSync(config, "utf8").replace(broker.url, `mqtt://127.0.0.1:${port}`));
    writeGalleryFile(gallery, galleryOf(["Bob", "Dave"]));
    const r = await runCli(["forget", "Dave", "--config", other]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mqtt: FAILED/);
    assert.deepEqual(readGalleryFile(gallery)?.names(), ["Bob"]);
  });

  test("--gallery alone needs no settings and no broker", async () => {
    const r = await runCli(["forget", "Bob", "--gallery", gallery]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readGalleryFile(gallery)?.names(), []);
    const usage = await runCli(["forget", "--gallery", gallery]);
    assert.equal(usage.code, 2);
  });
});
