import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DaemonProcess, NotifyReceiver, writeSettings } from "./daemon-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { makeTestPattern } from "./helpers/video.ts";
import { freePort, until } from "./mqtt-support.ts";

/**
 * systemd's side of `Type=notify` with a watchdog, played by a real unix datagram socket: READY=1 once models
 * and cameras are up, WATCHDOG=1 while frames advance, STOPPING=1 on SIGTERM. Needs no shared data: a test
 * pattern stands in for the camera and nobody is enrolled (a fresh install).
 */
describe("facegate run under systemd (sd_notify)", () => {
  const dir = tempDir("facegate-notify-");
  const receiver = new NotifyReceiver(join(dir, "notify.sock"));
  let daemon: DaemonProcess | null = null;

  after(async () => {
    await daemon?.kill("SIGKILL");
    await receiver.stop();
  });

  it("sends READY=1, pets the watchdog while frames advance, and STOPPING=1 on SIGTERM", async () => {
    await receiver.start();
    const video = await makeTestPattern(join(dir, "pattern.mp4"), { seconds: 3, fps: 10 });
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "state/gallery",
      mqtt: { embedded_port: await freePort(), homeassistant: { enabled: false } },
      cameras: { door: { source: video, loop: true } },
    });
    // WATCHDOG_USEC = 1 s: the daemon pets every 0.5 s.
    daemon = new DaemonProcess(config, { NOTIFY_SOCKET: receiver.address, WATCHDOG_USEC: "1000000" });
    const got = receiver.datagrams;
    await until("READY=1", () => got.some((d) => d.startsWith("READY=1")), 30_000);
    await until(
      "WATCHDOG=1 after READY",
      () => got.slice(got.findIndex((d) => d.startsWith("READY=1"))).includes("WATCHDOG=1"),
      10_000,
    );
    const ready = got.find((d) => d.startsWith("READY=1")) as string;
    assert.match(ready, /STATUS=1 camera\(s\), 0 people enrolled/);
    assert.ok(got.indexOf(ready) > got.indexOf("STATUS=loading models"), "status before ready");

    assert.equal(await daemon.kill("SIGTERM"), 0);
    assert.ok(got.includes("STOPPING=1"), "STOPPING=1 sent");
    assert.ok(got.indexOf("STOPPING=1") > got.indexOf(ready));
    assert.equal(daemon.logs("stopped").length, 1, "graceful shutdown completed");
    assert.ok(daemon.logs("nobody enrolled yet: every face is unknown (facegate enroll)").length === 1);
  });
});
