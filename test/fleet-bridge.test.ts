import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { readPublicKey } from "../src/fleet/keys.ts";
import { readGalleryFile, writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { jsonLines, REPO_ROOT, runCli } from "./helpers/cli.ts";
import { type LightDoor, startLightDoor, syntheticGallery } from "./helpers/fleet.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

/**
 * The bridge section of the example site broker (deploy/mosquitto/fleet-site.conf), pointed at the test's
 * central broker; its TLS and credential lines are left out (the test brokers are plain and anonymous).
 */
function bridgeLines(centralPort: number): string[] {
  const text = readFileSync(join(REPO_ROOT, "deploy", "mosquitto", "fleet-site.conf"), "utf8");
  const lines = text.split("\n").map((l) => l.trim());
  return lines
    .slice(lines.findIndex((l) => l.startsWith("connection ")))
    .filter((l) => l !== "" && !l.startsWith("#"))
    .filter((l) => !/^(bridge_cafile|remote_username|remote_password) /.test(l))
    .map((l) => (l.startsWith("address ") ? `address 127.0.0.1:${centralPort}` : l));
}

/**
 * Two sites, two real mosquitto brokers: the site broker bridges to the central one with the configuration the
 * README documents (`connection` / `address` / `topic … both`, read from deploy/mosquitto/fleet-site.conf). The publisher talks to the central broker only;
 * the doors talk to their site broker only.
 */
describe("fleet across a mosquitto bridge", () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-fleet-bridge-"));
  let central: Mosquitto | null = null;
  let site: Mosquitto | null = null;
  const doors: LightDoor[] = [];
  const collectors: Collector[] = [];

  after(async () => {
    for (const d of doors) await d.stop();
    for (const c of collectors) await c.end();
    await site?.stop();
    await central?.stop();
  });

  test("a gallery published centrally reaches a door on the site broker, live and retained; reports come back", async () => {
    central = await startMosquitto();
    site = await startMosquitto(false, bridgeLines(central.port));
    const siteWatch = await Collector.connect(site.url, ["$SYS/broker/connection/+/state"]);
    collectors.push(siteWatch);
    await siteWatch.until(
      "bridge connected",
      () => siteWatch.messages.some((m) => m.payload === "1"),
      15_000,
    );

    const keys = join(dir, "keys");
    assert.equal((await runCli(["fleet", "keygen", keys])).code, 0);
    const publicKey = readPublicKey(join(keys, "fleet.pub"));
    const early = await startLightDoor({
      url: site.url,
      prefix: "site-a/door1",
      galleryPath: join(dir, "door1", "gallery.json"),
      publicKey,
    });
    doors.push(early);
    const centralWatch = await Collector.connect(central.url, ["site-a/+/fleet/applied", "site-a/+/error"]);
    collectors.push(centralWatch);

    const gallery = join(dir, "publisher", "gallery.json");
    writeGalleryFile(gallery, syntheticGallery(4, { photos: 3 }));
    const run = await runCli([
      ...["fleet", "publish", "--gallery", gallery, "--key", join(keys, "fleet.key")],
      ...["--mqtt-url", central.url, "--json"],
    ]);
    assert.equal(run.code, 0, run.stderr);
    const { version } = jsonLines(run.stdout)[0] as { version: number };

    // live, through the bridge
    await centralWatch.until(
      "door1 applied, reported back to the central broker",
      () =>
        centralWatch.on("site-a/door1/fleet/applied").some((m) => JSON.parse(m.payload).version === version),
      15_000,
    );
    assert.equal(readGalleryFile(early.galleryPath)?.people.size, 4);

    // retained on the site broker: a door that starts later (or was offline) gets it from its own site
    const late = await startLightDoor({
      url: site.url,
      prefix: "site-a/door2",
      galleryPath: join(dir, "door2", "gallery.json"),
      publicKey,
    });
    doors.push(late);
    await centralWatch.until(
      "door2 applied",
      () =>
        centralWatch.on("site-a/door2/fleet/applied").some((m) => JSON.parse(m.payload).version === version),
      15_000,
    );
    assert.equal(readGalleryFile(late.galleryPath)?.managed?.version, version);
    assert.deepEqual(
      doors.map((d) => d.outcomes.map((o) => o.kind)),
      [["applied"], ["applied"]],
    );
    assert.equal(centralWatch.on("site-a/door1/error").filter((m) => m.payload !== "").length, 0);
  });
});
