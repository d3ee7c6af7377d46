import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { CameraStats } from "../src/events/types.ts";
import { DaemonProcess, writeSettings } from "./daemon-support.ts";
import {
  childrenNamed,
  childrenOf,
  cmdline,
  HAVE_PROC,
  isRunning,
  MiB,
  NO_PROC,
  rssBytes,
  sleep,
} from "./fault-support.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { makeTestPattern } from "./helpers/video.ts";
import { Collector, type Mosquitto, startMosquitto, until } from "./mqtt-support.ts";

/**
 * Camera faults under the real daemon (`facegate run` as a child), with two cameras on looping test-pattern
 * videos and a real mosquitto: camera `a`'s ffmpeg is SIGKILLed three times and then frozen with SIGSTOP (a
 * stalled stream); camera `b`'s video file vanishes (renamed away, ffmpeg killed, so every restart fails
 * with growing backoff) and comes back. Each fault must show on `<prefix>/<camera>/status` (stalled, then
 * online), must not disturb the other camera, and must not leave processes or memory behind. Ends with
 * SIGTERM: exit 0, every ffmpeg child reaped. Needs no shared data.
 */
describe("camera faults: ffmpeg killed, stalled, source vanished", {
  skip: HAVE_PROC ? false : NO_PROC,
}, () => {
  const dir = tempDir("facegate-fault-camera-");
  let broker: Mosquitto | null = null;
  let collector: Collector | null = null;
  let daemon: DaemonProcess | null = null;

  after(async () => {
    if (process.env.FACEGATE_FAULT_DEBUG) console.error(daemon?.output.slice(-6000));
    await daemon?.kill("SIGKILL");
    await collector?.end();
    await broker?.stop();
  });

  it("restarts the faulty camera with backoff, leaves the other alone, leaks nothing", async (t) => {
    const videoA = await makeTestPattern(join(dir, "a.mp4"), { seconds: 4, fps: 10 });
    const videoB = await makeTestPattern(join(dir, "b.mp4"), { seconds: 4, fps: 10 });
    broker = await startMosquitto();
    const c = await Collector.connect(broker.url, ["fg/#"]);
    collector = c;
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "state/gallery",
      mqtt: { url: broker.url, topic_prefix: "fg", homeassistant: { enabled: false } },
      cameras: {
        a: { source: videoA, loop: true, stall_timeout_s: 4 },
        b: { source: videoB, loop: true, stall_timeout_s: 4 },
      },
      stats_interval_s: 1,
    });
    const d = new DaemonProcess(config);
    daemon = d;
    const pid = d.child.pid as number;

    const status = (cam: string) => c.on(`fg/${cam}/status`).map((m) => m.payload);
    /** Status changes since index `from`, repeats collapsed (stalled, then restarting, both say stalled). */
    const changes = (cam: string, from: number) =>
      status(cam)
        .slice(from)
        .filter((s, i, all) => i === 0 || s !== all[i - 1])
        .join(",");
    const frames = (cam: string) =>
      (JSON.parse(c.on(`fg/${cam}/stats`).at(-1)?.payload ?? "{}") as Partial<CameraStats>).frames ?? 0;
    /** The daemon's ffmpeg child for a camera (told apart by the video path on its command line). */
    const ffmpegOf = (video: string) =>
      childrenNamed(pid, "ffmpeg").find((p) => cmdline(p.pid).includes(video))?.pid;
    const restartLogs = (cam: string) => d.logs("camera restarting").filter((l) => l.camera === cam);

    await c.until(
      "both cameras online",
      () => status("a").includes("online") && status("b").includes("online"),
      60_000,
    );
    await c.until("frames counted", () => frames("a") > 0 && frames("b") > 0, 20_000);
    await until(
      "both ffmpeg children",
      () => ffmpegOf(videoA) !== undefined && ffmpegOf(videoB) !== undefined,
      10_000,
    );
    const baselineChildren = childrenOf(pid).filter((p) => p.comm !== "ffmpeg");
    const rssStart = rssBytes(pid) as number;

    /** While `fault` runs on one camera, the other one keeps delivering frames and says nothing new. */
    async function otherUnaffected(other: string, fault: () => Promise<void>): Promise<void> {
      const statusBefore = status(other).length;
      const restartsBefore = restartLogs(other).length;
      // Stats carry the frames of their own window (about 1 s), so "still counting" means a stats message
      // published after the fault that counted frames — not a bigger number than a window before it.
      const statsBefore = c.on(`fg/${other}/stats`).length;
      await fault();
      await c.until(
        `${other} still counting frames`,
        () => c.on(`fg/${other}/stats`).length > statsBefore && frames(other) > 0,
        20_000,
      );
      assert.equal(status(other).length, statusBefore, `${other} published no status change`);
      assert.equal(restartLogs(other).length, restartsBefore, `${other} was not restarted`);
    }

    // 1. ffmpeg of camera a SIGKILLed three times: stalled, then online again each time.
    const killedPids: number[] = [];
    await otherUnaffected("b", async () => {
      for (let i = 0; i < 3; i++) {
        const before = status("a").length;
        const old = ffmpegOf(videoA) as number;
        killedPids.push(old);
        process.kill(old, "SIGKILL");
        await c.until(
          `a stalled then online (kill ${i + 1})`,
          () => changes("a", before) === "stalled,online",
          60_000,
        );
        await until("a has a new ffmpeg", () => (ffmpegOf(videoA) ?? old) !== old, 10_000);
      }
    });
    assert.ok(
      restartLogs("a").every((l) => String(l.reason).includes("signal SIGKILL")),
      "the reason names the kill",
    );
    const delays = restartLogs("a").map((l) => Number(l.retryInMs));
    assert.deepEqual(
      delays,
      [...delays].sort((x, y) => x - y),
      "backoff does not shrink between failures",
    );

    // 2. ffmpeg of camera a frozen (SIGSTOP): no frame for stall_timeout_s → killed and restarted.
    await otherUnaffected("b", async () => {
      const before = status("a").length;
      const frozen = ffmpegOf(videoA) as number;
      killedPids.push(frozen);
      process.kill(frozen, "SIGSTOP");
      await c.until(
        "a stalled then online (frozen)",
        () => changes("a", before) === "stalled,online",
        60_000,
      );
      assert.equal(isRunning(frozen), false, "the frozen ffmpeg was killed and reaped");
      assert.match(String(d.logs("camera stalled").at(-1)?.reason), /stalled: no frame/);
    });

    // 3. camera b's video vanishes: every restart fails, with growing delays, until the file is back.
    await otherUnaffected("a", async () => {
      const before = status("b").length;
      const failuresBefore = restartLogs("b").length;
      const away = `${videoB}.away`;
      renameSync(videoB, away);
      const old = ffmpegOf(videoB) as number;
      killedPids.push(old);
      process.kill(old, "SIGKILL");
      await until(
        "b failed to restart three times",
        () => restartLogs("b").length >= failuresBefore + 4,
        60_000,
      );
      const failed = restartLogs("b").slice(failuresBefore + 1);
      t.diagnostic(
        `b restart delays while the file was away: ${failed.map((l) => l.retryInMs).join(", ")} ms`,
      );
      for (let i = 1; i < failed.length; i++)
        assert.ok(Number(failed[i].retryInMs) > Number(failed[i - 1].retryInMs), "backoff grows");
      assert.ok(failed.every((l) => /No such file|does not exist|exited/.test(String(l.reason))));
      assert.equal(status("b").slice(before).at(-1), "stalled", "b says stalled while the file is away");
      renameSync(away, videoB);
      await c.until("b online again", () => status("b").at(-1) === "online", 60_000);
    });

    // Nothing accumulates: the same helper processes, one ffmpeg per camera, no zombies, no killed pid alive.
    await sleep(1000);
    const ffmpegs = childrenNamed(pid, "ffmpeg");
    assert.equal(ffmpegs.length, 2, `one ffmpeg per camera: ${JSON.stringify(ffmpegs)}`);
    assert.ok(
      childrenOf(pid).every((p) => p.state !== "Z"),
      "no unreaped child",
    );
    assert.deepEqual(
      childrenOf(pid)
        .filter((p) => p.comm !== "ffmpeg")
        .map((p) => p.comm),
      baselineChildren.map((p) => p.comm),
    );
    for (const old of killedPids) assert.equal(isRunning(old, "ffmpeg"), false, `ffmpeg ${old} is gone`);
    const rssEnd = rssBytes(pid) as number;
    t.diagnostic(
      `daemon RSS ${(rssStart / MiB).toFixed(1)} MiB before the faults, ${(rssEnd / MiB).toFixed(1)} MiB after ${restartLogs("a").length + restartLogs("b").length} restarts`,
    );
    // Generous: one restart reallocates frame buffers (~1 MiB each); a leak per restart would still show.
    assert.ok(rssEnd - rssStart < 96 * MiB, "RSS did not grow with the restarts");

    // 4. SIGTERM: exit 0, cameras say offline, no ffmpeg left behind (orphaned or otherwise).
    const last = ffmpegs.map((p) => p.pid);
    assert.equal(await d.kill("SIGTERM"), 0);
    assert.equal(d.logs("stopped").length, 1);
    for (const p of last) assert.equal(isRunning(p, "ffmpeg"), false, `ffmpeg ${p} reaped on SIGTERM`);
    await c.until(
      "offline",
      () => status("a").at(-1) === "offline" && status("b").at(-1) === "offline",
      10_000,
    );
    assert.equal(c.on("fg/status").at(-1)?.payload, "offline");
  });
});
