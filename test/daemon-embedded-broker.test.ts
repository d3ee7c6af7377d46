import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Daemon } from "../src/daemon/daemon.ts";
import type { FaceEvent } from "../src/events/types.ts";
import { parseSettings } from "../src/settings/load.ts";
import {
  ENROLLED,
  enrollPeople,
  lfwRows,
  singleFacePhotos,
  TEST_THRESHOLD,
  writeGallery,
} from "./daemon-support.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir, walkInOut } from "./helpers/video.ts";
import { Collector, freePort, memoryLogger } from "./mqtt-support.ts";

const data = sharedDataDir();

/**
 * No `mqtt.url`: the daemon (in-process, through its composition root) runs its own broker, and a client of
 * that broker sees the events. A second camera whose folder does not exist keeps retrying without harming
 * the first.
 */
describe("facegate run with the embedded broker", { skip: data ? false : NO_SHARED_DATA }, () => {
  it("serves events to a client of its own broker; a missing camera does not stop the others", async () => {
    const dir = mkdtempSync(join(tmpdir(), "facegate-embedded-"));
    const rows = lfwRows(data as string);
    const [galleries, [clinton]] = await Promise.all([
      enrollPeople(
        ENROLLED.slice(0, 2).map((name) => ({
          name,
          files: rows.filter((r) => r.identity === name && r.role === "enroll").map((r) => r.path),
        })),
      ),
      singleFacePhotos([
        rows.filter((r) => r.identity === "Bill_Clinton" && r.role === "probe").map((r) => r.path),
      ]),
    ]);
    writeGallery(join(dir, "gallery"), galleries[1]);
    const video = await makeVideo({
      out: join(dir, "visit.mp4"),
      segments: walkInOut([{ path: clinton }], { visibleS: 2.5, gapS: 2 }),
    });
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
