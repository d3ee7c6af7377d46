import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Daemon } from "../src/daemon/daemon.ts";
import type { FaceEvent } from "../src/events/types.ts";
import { parseSettings } from "../src/settings/load.ts";
import { doorway, TEST_THRESHOLD, writeGallery } from "./daemon-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";
import { Collector, freePort, memoryLogger } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * No `mqtt.url`: the daemon (in-process, through its composition root) runs its own broker, and a client of
 * that broker sees the events. A second camera whose folder does not exist keeps retrying without harming
 * the first.
 */
describe("facegate run with the embedded broker", { skip: data ? false : NO_SHARED_DATA }, () => {
  it("serves events to a client of its own broker; a missing camera does not stop the others", async () => {
    const dir = tempDir("facegate-embedded-");
    const { galleries, video } = await doorway(data as string, {
      dir,
      enroll: 2,
      visitors: [{ identity: "Bill_Clinton" }],
      visibleS: 2.5,
      gapS: 2,
      video: "visit.mp4",
    });
    writeGallery(join(dir, "gallery"), galleries[1]);
    const port = await freePort();
    const settings = parseSettings(
      {
        gallery: "gallery",
        recognition: { threshold: TEST_THRESHOLD },
        mqtt: { embedded_port: port },
        cameras: { door: { source: video.path }, garden: { source: "no-such-folder" } },
      },
      { baseDir: dir, env: {} },
    );
    const { logger, lines } = memoryLogger("info");
    const daemon = new Daemon({ settings, logger, env: {} });
    await daemon.start();
    let client: Collector | null = null;
    try {
      assert.equal(daemon.embeddedBrokerUrl, `mqtt://127.0.0.1:${port}`);
      const c = await Collector.connect(`mqtt://127.0.0.1:${port}`, ["facegate/#"]);
      client = c;
      const events = () => c.on("facegate/door/event").map((m) => JSON.parse(m.payload) as FaceEvent);
      await c.until("visit over", () => events().some((e) => e.type === "left"), 30_000);
      assert.deepEqual(
        events().map((e) => `${e.type} ${e.name}`),
        ["identified Bill_Clinton", "left Bill_Clinton"],
      );
      assert.equal(c.on("facegate/status").at(-1)?.payload, "online");
      await c.until("garden reported", () => c.on("facegate/garden/status").length > 0);
      assert.equal(c.on("facegate/garden/status").at(-1)?.payload, "stalled");
      assert.match(lines(), /camera source does not exist/);
    } finally {
      await client?.end();
      await daemon.stop();
    }
  });
});
