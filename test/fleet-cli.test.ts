import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FleetApplier } from "../src/fleet/applier.ts";
import { openEnvelope } from "../src/fleet/envelope.ts";
import { readPrivateKey, readPublicKey } from "../src/fleet/keys.ts";
import { sealGallery } from "../src/fleet/publish.ts";
import { readGalleryFile, writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { jsonLines, runCli } from "./helpers/cli.ts";
import { syntheticGallery } from "./helpers/fleet.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const TOPIC = "facegate/fleet/gallery";
const tmp = (what: string) => mkdtempSync(join(tmpdir(), `facegate-fleet-${what}-`));

describe("facegate fleet keygen", () => {
  test("writes a 0600 Ed25519 private key and its public key; never replaces a key without --force", async () => {
    const dir = join(tmp("keys"), "keys");
    const made = await runCli(["fleet", "keygen", dir]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(statSync(join(dir, "fleet.key")).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, "fleet.key"), "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(readPublicKey(join(dir, "fleet.pub")).asymmetricKeyType, "ed25519");
    const key = readFileSync(join(dir, "fleet.key"));

    const again = await runCli(["fleet", "keygen", dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists.*--force/);
    assert.deepEqual(readFileSync(join(dir, "fleet.key")), key);

    const forced = await runCli(["fleet", "keygen", dir, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notDeepEqual(readFileSync(join(dir, "fleet.key")), key);

    chmodSync(join(dir, "fleet.key"), 0o644);
    assert.throws(() => readPrivateKey(join(dir, "fleet.key")), /readable by other users .*chmod 600/);
    assert.throws(() => readPublicKey(join(dir, "fleet.key")), /holds a private key/);
  });
});

describe("facegate fleet publish (real mosquitto)", () => {
  let broker: Mosquitto;
  let limited: Mosquitto;
  const dir = tmp("publish");
  const keyDir = join(dir, "keys");
  const gallery = join(dir, "gallery.json");

  before(async () => {
    broker = await startMosquitto();
    limited = await startMosquitto(false, ["message_size_limit 2000"]);
    assert.equal((await runCli(["fleet", "keygen", keyDir])).code, 0);
    writeGalleryFile(gallery, syntheticGallery(3, { photos: 2 }));
  });
  after(async () => {
    await broker?.stop();
    await limited?.stop();
  });

  const publish = (extra: string[] = [], url = broker.url) =>
    runCli([
      "fleet",
      "publish",
      "--gallery",
      gallery,
      "--key",
      join(keyDir, "fleet.key"),
      "--mqtt-url",
      url,
      "--json",
      ...extra,
    ]);

  test("publishes one retained, signed envelope that a door verifies; versions only grow", async () => {
    const first = await publish();
    assert.equal(first.code, 0, first.stderr);
    const report = jsonLines(first.stdout)[0];
    assert.equal(report.verified, true);
    assert.equal(report.people, 3);
    assert.equal(report.vectors, "f32");
    assert.equal(report.previous, null);

    const c = await Collector.connect(broker.url, [TOPIC]);
    await c.until("retained envelope", () => c.on(TOPIC).length > 0);
    const [retained] = c.on(TOPIC);
    await c.end();
    assert.equal(retained.retain, true);
    const envelope = openEnvelope(Buffer.from(retained.payload), readPublicKey(join(keyDir, "fleet.pub")));
    assert.equal(envelope.version, report.version);
    const state = JSON.parse(readFileSync(join(keyDir, "fleet.state.json"), "utf8"));
    assert.equal(state.last_version, report.version);
    assert.equal(statSync(join(keyDir, "fleet.state.json")).mode & 0o777, 0o600);

    const second = jsonLines((await publish()).stdout)[0];
    assert.equal(second.previous, report.version);
    assert.ok((second.version as number) > (report.version as number));

    // A version far ahead on the topic (another publisher with a fast clock): the next one still goes above it.
    const ahead = (second.version as number) + 1_000_000_000;
    const sealed = sealGallery(
      syntheticGallery(1),
      ahead,
      new Date(),
      readPrivateKey(join(keyDir, "fleet.key")),
    );
    const p = await Collector.connect(broker.url, []);
    await p.client.publishAsync(TOPIC, sealed.text, { qos: 1, retain: true });
    await p.end();
    const third = jsonLines((await publish()).stdout)[0];
    assert.equal(third.previous, ahead);
    assert.equal(third.version, ahead + 1);
  });

  test("a retained message signed with another key is not trusted for the version, and is replaced", async () => {
    const other = generateKeyPairSync("ed25519").privateKey;
    const foreign = sealGallery(syntheticGallery(1), Number.MAX_SAFE_INTEGER - 10, new Date(), other);
    const p = await Collector.connect(broker.url, []);
    await p.client.publishAsync(TOPIC, foreign.text, { qos: 1, retain: true });
    await p.end();
    const run = await publish();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /not ours and is replaced \(signature does not verify/);
    assert.ok((jsonLines(run.stdout)[0].version as number) < Number.MAX_SAFE_INTEGER - 10);
  });

  test("a broker that refuses the size says so, and the exit code is 1", async () => {
    const run = await publish([], limited.url);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused the envelope|does not retain it/);
  });

  test("bad command lines exit 2", async () => {
    assert.equal((await publish(["--vectors", "f16"])).code, 2);
    assert.equal((await publish(["--topic", "facegate/#"])).code, 2);
    // the same topic rule as the settings file's fleet.topic
    assert.equal((await publish(["--topic", "facegate/fleet gallery"])).code, 2);
    assert.equal((await publish(["--topic", "/facegate/fleet"])).code, 2);
    assert.equal((await publish([], "http://nope")).code, 2);
  });
});

describe("a fleet door's gallery refuses local changes from the CLI", () => {
  const dir = tmp("refuse");
  const galleryPath = join(dir, "gallery.json");
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");

  before(() => {
    const applier = new FleetApplier({
      galleryPath,
      publicKey,
      embedderId: "synthetic-embedder",
      topic: TOPIC,
    });
    const outcome = applier.apply(
      Buffer.from(sealGallery(syntheticGallery(2), 77, new Date(), privateKey).text),
    );
    assert.equal(outcome.kind, "applied");
  });

  test("gallery remove, enroll and forget say where to enroll; nothing changes; detach makes it local", async () => {
    const before = readFileSync(galleryPath);
    const remove = await runCli(["gallery", "remove", "Person 0000", "--gallery", galleryPath]);
    assert.equal(remove.code, 1);
    assert.match(remove.stderr, /managed by the fleet .*version 77 .*facegate fleet publish/);
    assert.doesNotMatch(remove.stdout, /removed/);

    const photos = join(dir, "photos", "Someone");
    mkdirSync(photos, { recursive: true });
    writeFileSync(join(photos, "a.jpg"), "not really");
    const enroll = await runCli(["enroll", join(dir, "photos"), "--gallery", galleryPath]);
    assert.equal(enroll.code, 1);
    assert.match(enroll.stderr, /managed by the fleet/);

    const forget = await runCli(["forget", "Person 0000", "--gallery", galleryPath]);
    assert.equal(forget.code, 1);
    assert.match(forget.stderr, /gallery: .* FAILED: .*managed by the fleet/);
    assert.deepEqual(readFileSync(galleryPath), before, "the fleet gallery is untouched");

    const info = await runCli(["gallery", "info", "--gallery", galleryPath, "--json"]);
    assert.match(JSON.parse(info.stdout).managed_by, /fleet \(version 77 from facegate\/fleet\/gallery\)/);

    const detach = await runCli(["fleet", "detach", "--gallery", galleryPath]);
    assert.equal(detach.code, 0, detach.stderr);
    const removed = await runCli(["gallery", "remove", "Person 0000", "--gallery", galleryPath]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(readGalleryFile(galleryPath)?.names(), ["Person 0001"]);
  });
});
