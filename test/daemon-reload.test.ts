import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { FaceEvent } from "../src/events/types.ts";
import { serializeGallery } from "../src/recognition/gallery-file.ts";
import { DaemonProcess, doorway, TEST_THRESHOLD, writeGallery, writeSettings } from "./daemon-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * The gallery changes under a running daemon: a new gallery file names the next visitor, a damaged one is
 * refused (the old gallery stays, the error is published retained on `<prefix>/error`). Ends with SIGKILL, so
 * the broker's last will says `offline`.
 */
describe("facegate run: gallery reload", { skip: data ? false : NO_SHARED_DATA }, () => {
  const dir = tempDir("facegate-reload-");
  let broker: Mosquitto | null = null;
  let collector: Collector | null = null;
  let daemon: DaemonProcess | null = null;

  after(async () => {
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
  });

  it("names the next person with a replaced gallery, keeps it when the replacement is damaged", async () => {
    const clinton = { identity: "Bill_Clinton", masked: false };
    const { galleries, video } = await doorway(data as string, {
      dir,
      enroll: 2,
      visitors: [clinton, clinton, clinton],
      visibleS: 2.5,
      gapS: 3,
      video: "visits.mp4",
      leadingGap: false,
    });
    const gallery = join(dir, "state", "gallery");
    mkdirSync(join(dir, "state"));
    writeGallery(gallery, galleries[0]); // Abdullah_Gul only: Bill_Clinton is a stranger at first
    broker = await startMosquitto();
    const c = await Collector.connect(broker.url, ["facegate/#"]);
    collector = c;
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "state/gallery",
      recognition: { threshold: TEST_THRESHOLD },
      mqtt: { url: broker.url },
      cameras: { door: { source: video.path } },
    });
    const d = new DaemonProcess(config);
    daemon = d;
    const events = () => c.on("facegate/door/event").map((m) => JSON.parse(m.payload) as FaceEvent);
    const lefts = () => events().filter((e) => e.type === "left").length;

    await c.until("first visit over", () => lefts() >= 1, 40_000);
    writeGallery(gallery, galleries[1]); // enroll adds Bill_Clinton
    await c.until("reloaded", () => d.logs("gallery reloaded").length >= 1, 10_000);

    await c.until("second visit over", () => lefts() >= 2, 20_000);
    const text = serializeGallery(galleries[0]);
    writeFileSync(gallery, text.slice(0, text.length / 2)); // a truncated write
    await c.until(
      "error published",
      () => c.on("facegate/error").some((m) => m.payload.includes("reload")),
      10_000,
    );

    await c.until("third visit over", () => lefts() >= 3, 20_000);
    assert.deepEqual(
      events()
        .slice(0, 6)
        .map((e) => `${e.type} ${e.name ?? "unknown"}`),
      [
        "unknown unknown",
        "left unknown",
        "identified Bill_Clinton",
        "left Bill_Clinton",
        "identified Bill_Clinton",
        "left Bill_Clinton",
      ],
    );
    const error = c
      .on("facegate/error")
      .filter((m) => m.payload !== "")
      .at(-1);
    assert.equal(JSON.parse(error?.payload ?? "{}").source, "reload");
    assert.match(JSON.parse(error?.payload ?? "{}").message, /not valid JSON/);
    assert.equal(d.logs("reload failed; keeping the gallery in use").length, 1);

    // SIGKILL: no goodbye, the broker publishes the last will.
    await d.kill("SIGKILL");
    await c.until("last will", () => c.on("facegate/status").at(-1)?.payload === "offline", 10_000);
  });
});
