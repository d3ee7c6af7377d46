import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { CameraStats, FaceEvent } from "../src/events/types.ts";
import { DaemonProcess, doorway, TEST_THRESHOLD, writeGallery, writeSettings } from "./daemon-support.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * The vision worker dies inside a running daemon (the test hook makes it `process.exit` on its next analysis,
 * as an out-of-memory kill or a native crash would end it): the daemon restarts it, logs and counts the
 * restart in the camera stats, and the people who come to the door afterwards are still named on MQTT.
 */
describe("vision worker dies in a running daemon", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-fault-worker-"));
  let broker: Mosquitto | null = null;
  let collector: Collector | null = null;
  let daemon: DaemonProcess | null = null;

  after(async () => {
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is restarted with backoff; the next visits are decided and the restart is counted", async () => {
    const { galleries, video } = await doorway(data as string, {
      dir,
      visitors: [
        { identity: "Abdullah_Gul", masked: false },
        { identity: "Bill_Clinton", masked: false },
        { identity: "Condoleezza_Rice", masked: false },
      ],
      visibleS: 3,
      // Long gaps: the worker's restart (models load again, seconds on a busy machine) fits in one.
      gapS: 4,
    });
    writeGallery(join(dir, "gallery"), galleries[2]);
    broker = await startMosquitto();
    const c = await Collector.connect(broker.url, ["facegate/#"]);
    collector = c;
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "gallery",
      recognition: { threshold: TEST_THRESHOLD },
      mqtt: { url: broker.url },
      cameras: { door: { source: video.path } },
      stats_interval_s: 1,
    });
    const hooks = join(dir, "hooks");
    mkdirSync(hooks);
    const d = new DaemonProcess(config, { FACEGATE_TEST_WORKER_EXIT_DIR: hooks });
    daemon = d;
    const events = () => c.on("facegate/door/event").map((m) => JSON.parse(m.payload) as FaceEvent);
    const named = (name: string) => events().some((e) => e.type === "identified" && e.name === name);

    await c.until("the first visitor is named", () => named("Abdullah_Gul"), 60_000);
    writeFileSync(join(hooks, "vision-worker"), "exit");
    await c.until("the worker is restarted", () => d.logs("vision worker restarted").length > 0, 60_000);
    const [died] = d.logs("vision worker exited; restarting it");
    assert.equal(died?.code, 70, "the worker died by the hook");
    assert.equal(died?.retry_in_ms, 500, "first restart after the initial backoff");

    await c.until(
      "the next visitors are named",
      () => named("Bill_Clinton") && named("Condoleezza_Rice"),
      60_000,
    );
    const stats = () => c.on("facegate/door/stats").map((m) => JSON.parse(m.payload) as CameraStats);
    await c.until("stats count the restart", () => stats().some((s) => s.vision_restarts === 1));
    assert.equal(d.logs("vision worker restarted").length, 1, "one death, one restart");
    assert.equal(await d.kill("SIGTERM"), 0, "a clean shutdown after the restart");
  });
});
