import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CameraStats, FaceEvent } from "../src/events/types.ts";
import {
  DaemonProcess,
  doorway,
  ENROLLED,
  TEST_THRESHOLD,
  writeGallery,
  writeSettings,
} from "./daemon-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * The whole daemon as systemd runs it (a child process) against a real mosquitto, on a video where enrolled
 * people, a stranger and a masked enrolled person walk through one after another: exactly one decision and
 * one `left` per person, retained presence and status, `offline` on SIGTERM.
 */
describe("facegate run: doorway video → MQTT events", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = tempDir("facegate-daemon-");
  let broker: Mosquitto;
  let collector: Collector;
  let daemon: DaemonProcess;

  before(async () => {
    const { galleries, video } = await doorway(data as string, {
      dir,
      visitors: [
        { identity: "Abdullah_Gul", masked: false, label: "Abdullah_Gul" },
        { identity: "Bill_Clinton", masked: false, label: "Bill_Clinton" },
        { identity: null, masked: false, label: "stranger" },
        { identity: "Condoleezza_Rice", masked: false, label: "Condoleezza_Rice" },
        { identity: "Abdullah_Gul", masked: true, label: "Abdullah_Gul (masked)" },
      ],
      visibleS: 2.5,
      gapS: 1.2,
    });
    writeGallery(join(dir, "gallery"), galleries[2]);
    broker = await startMosquitto();
    collector = await Collector.connect(broker.url, ["facegate/#"]);
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "gallery",
      recognition: { threshold: TEST_THRESHOLD, masked_threshold: TEST_THRESHOLD },
      mqtt: { url: broker.url, topic_prefix: "facegate" },
      cameras: { door: { source: video.path } },
      stats_interval_s: 2,
      presence: { away_after_s: 600 },
    });
    daemon = new DaemonProcess(config);
  });

  after(async () => {
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
  });

  const events = () => collector.on("facegate/door/event").map((m) => JSON.parse(m.payload) as FaceEvent);

  it("announces each person once, then their leaving", async (t) => {
    await collector.until(
      "five people seen and gone",
      () => events().filter((e) => e.type === "left").length >= 5,
      60_000,
    );
    t.diagnostic(JSON.stringify(events().map((e) => [e.type, e.name, e.track_id, e.box, e.score])));
    const seq = events()
      .slice(0, 10)
      .map((e) => `${e.type} ${e.name ?? "unknown"}`);
    assert.deepEqual(seq, [
      "identified Abdullah_Gul",
      "left Abdullah_Gul",
      "identified Bill_Clinton",
      "left Bill_Clinton",
      "unknown unknown",
      "left unknown",
      "identified Condoleezza_Rice",
      "left Condoleezza_Rice",
      "identified Abdullah_Gul",
      "left Abdullah_Gul",
    ]);
    const list = events().slice(0, 10);
    for (let i = 0; i < 10; i += 2) {
      assert.equal(list[i].track_id, list[i + 1].track_id, "a decision and its left share the track");
      assert.equal(list[i].camera, "door");
      assert.equal(list[i].box.length, 4);
      assert.ok(list[i].box[2] > 40 && list[i].box[0] >= 0 && list[i].box[0] + list[i].box[2] <= 640);
      assert.ok(Date.parse(list[i].first_seen) <= Date.parse(list[i].timestamp));
    }
    assert.ok(list[0].score >= TEST_THRESHOLD);
    const stats = collector.on("facegate/door/stats").map((m) => JSON.parse(m.payload) as CameraStats);
    assert.ok(stats.length > 0, "stats are published");
    const busy = stats.filter((s) => typeof s.event_latency_ms === "number");
    t.diagnostic(
      `stats: fps_in ${stats.map((s) => s.fps_in).join(",")} | fps ${stats.map((s) => s.fps).join(",")} | detection_ms ${stats.map((s) => s.detection_ms).join(",")} | event_latency_ms ${busy.map((s) => s.event_latency_ms).join(",")} | drops ${stats.map((s) => s.drops).join(",")}`,
    );
    assert.equal(collector.on("facegate/door/status").at(-1)?.payload, "online");
  });

  it("keeps presence and status retained, and says offline on SIGTERM", async () => {
    const late = await Collector.connect(broker.url, [
      "facegate/status",
      "facegate/people/+",
      "facegate/door/last_identified",
    ]);
    try {
      await late.until("retained state", () => late.messages.length >= 5);
      assert.deepEqual(
        late.on("facegate/status").map((m) => [m.payload, m.retain]),
        [["online", true]],
      );
      for (const name of ENROLLED) {
        const presence = late.on(`facegate/people/${name.toLowerCase()}`);
        assert.equal(presence.length, 1, `presence of ${name}`);
        assert.equal(JSON.parse(presence[0].payload).state, "home");
        assert.equal(presence[0].retain, true);
      }
      assert.equal(JSON.parse(late.on("facegate/door/last_identified")[0].payload).name, "Abdullah_Gul");
    } finally {
      await late.end();
    }
    const code = await daemon.kill("SIGTERM");
    assert.equal(code, 0);
    assert.equal(collector.on("facegate/status").at(-1)?.payload, "offline");
    assert.equal(daemon.logs("stopped").length, 1, "graceful shutdown completed");
  });
});
