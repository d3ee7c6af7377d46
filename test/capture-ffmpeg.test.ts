import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FfmpegSource } from "../src/capture/ffmpeg-source.ts";
import type { Frame } from "../src/capture/types.ts";
import { childPids, memoryLogger, processExists, recordStatuses, sleep, waitFor } from "./helpers/capture.ts";
import { makeTestPattern } from "./helpers/video.ts";

const logger = memoryLogger();
let dir = "";
let clip1s = "";
let clip5s = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "facegate-capture-"));
  clip1s = await makeTestPattern(join(dir, "one-second.mp4"), {
    seconds: 1,
    fps: 10,
    width: 320,
    height: 240,
  });
  clip5s = await makeTestPattern(join(dir, "five-seconds.mp4"), {
    seconds: 5,
    fps: 30,
    width: 320,
    height: 240,
  });
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function assertNoChildren(pids: readonly number[]): void {
  for (const pid of pids)
    assert.equal(processExists(pid), false, `child ${pid} still exists (leaked or zombie)`);
  assert.deepEqual(childPids(), [], "no child processes remain");
}

describe("FfmpegSource", () => {
  test("a file source yields frames of the configured size, in order", async () => {
    const source = new FfmpegSource({ camera: "door", source: { kind: "file", path: clip1s } }, logger);
    const statuses = recordStatuses(source);
    await source.start();
    const frames: Frame[] = [];
    for (let i = 0; i < 5; i++) {
      const frame = await source.nextFrame();
      assert.ok(frame);
      frames.push(frame);
    }
    const pid = source.pid;
    await source.stop();
    for (const frame of frames) {
      assert.equal(frame.camera, "door");
      assert.equal(frame.image.width, 640);
      assert.equal(frame.image.height, 480);
      assert.equal(frame.image.data.length, 640 * 480 * 3);
      assert.ok(frame.timestamp > 0);
    }
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].seq > frames[i - 1].seq);
    // the test pattern is colourful: a letterboxed frame is not all black
    assert.ok(frames[0].image.data.some((v) => v > 50));
    assert.deepEqual(
      statuses.map((s) => s.state),
      ["starting", "running", "stopped"],
    );
    assert.equal(await source.nextFrame(), null, "a stopped source resolves null");
    if (pid) assertNoChildren([pid]);
  });

  test("the end of a file that does not loop is reported and the file restarted", async () => {
    const source = new FfmpegSource(
      { camera: "end", width: 160, height: 120, source: { kind: "file", path: clip1s, realtime: false } },
      logger,
    );
    const statuses = recordStatuses(source);
    await source.start();
    await waitFor("a restart", () => statuses.some((s) => s.state === "restarting"));
    const restarting = statuses.find((s) => s.state === "restarting");
    assert.match(restarting?.reason ?? "", /ffmpeg exited \(code 0\)/);
    assert.equal(restarting?.restarts, 1);
    await source.stop();
    assertNoChildren([]);
  });

  test("a looping file keeps producing past its end without restarts", async () => {
    const source = new FfmpegSource(
      { camera: "loop", width: 160, height: 120, source: { kind: "file", path: clip1s, loop: true } },
      logger,
    );
    await source.start();
    // the clip has 10 frames: 25 frames means it looped (at native rate, about 2.5 s)
    await waitFor("25 frames", () => source.stats.framesIn >= 25);
    assert.equal(source.stats.restarts, 0);
    assert.equal(source.status.state, "running");
    assert.ok(source.stats.fpsIn > 0);
    await source.stop();
  });

  test("a slow consumer gets the newest frame; older ones are dropped and memory stays bounded", async () => {
    const source = new FfmpegSource(
      { camera: "slow", source: { kind: "file", path: clip5s, loop: true, realtime: false } },
      logger,
    );
    await source.start();
    const first = await source.nextFrame();
    assert.ok(first);
    const baseline = process.memoryUsage().arrayBuffers;
    let previousSeq = first.seq;
    let gaps = 0;
    for (let i = 0; i < 8; i++) {
      await sleep(150); // a slow detector
      const frame = await source.nextFrame();
      assert.ok(frame);
      assert.ok(frame.seq > previousSeq);
      if (frame.seq > previousSeq + 1) gaps++;
      // newest: whatever arrived while we slept, we get the last of it
      assert.ok(
        source.stats.framesIn - frame.seq <= 1,
        `frame ${frame.seq} of ${source.stats.framesIn} is stale`,
      );
      previousSeq = frame.seq;
      source.release(frame);
    }
    const stats = source.stats;
    await source.stop();
    assert.ok(gaps > 0, "frames were skipped");
    assert.ok(stats.drops > 20, `drops counted (${stats.drops})`);
    assert.ok(stats.framesIn > stats.drops);
    const grownMiB = (process.memoryUsage().arrayBuffers - baseline) / 2 ** 20;
    // hundreds of 0.9 MB frames went through; a queue would hold them all
    assert.ok(grownMiB < 40, `array buffers grew by ${grownMiB.toFixed(1)} MiB`);
  });

  test("a killed ffmpeg is restarted and frames resume", async () => {
    const source = new FfmpegSource(
      {
        camera: "killed",
        width: 160,
        height: 120,
        backoff: { initialMs: 100 },
        source: { kind: "file", path: clip1s, loop: true },
      },
      logger,
    );
    const statuses = recordStatuses(source);
    await source.start();
    const before = await source.nextFrame();
    assert.ok(before);
    const firstPid = source.pid;
    assert.ok(firstPid);
    process.kill(firstPid, "SIGKILL");
    await waitFor("restart", () => statuses.some((s) => s.state === "restarting"));
    assert.match(statuses.find((s) => s.state === "restarting")?.reason ?? "", /signal SIGKILL/);
    await waitFor("running again", () => source.status.state === "running" && source.pid !== firstPid);
    const afterRestart = await source.nextFrame();
    assert.ok(afterRestart && afterRestart.seq > before.seq);
    assert.equal(source.stats.restarts, 1);
    const secondPid = source.pid;
    await source.stop();
    assertNoChildren([firstPid, secondPid ?? 0]);
  });

  test("a missing file is reported, retried with growing backoff, never thrown", async () => {
    const source = new FfmpegSource(
      {
        camera: "gone",
        backoff: { initialMs: 50, maxMs: 400 },
        source: { kind: "file", path: join(dir, "does-not-exist.mp4") },
      },
      logger,
    );
    const statuses = recordStatuses(source);
    await source.start();
    await waitFor("4 restarts", () => source.stats.restarts >= 4);
    const restarting = statuses.filter((s) => s.state === "restarting");
    assert.match(restarting[0].reason, /No such file or directory/);
    const delays = restarting.map((s) => s.retryInMs ?? 0);
    assert.deepEqual(delays.slice(0, 4), [50, 100, 200, 400]);
    await source.stop();
    assert.equal(source.status.state, "stopped");
    assertNoChildren([]);
  });

  test("a source that stops producing is detected as stalled and restarted", async () => {
    // An honest stall: ffmpeg reads a y4m stream from a fifo; we write a few frames and then keep the fifo open
    // without writing, so ffmpeg blocks on read exactly like a camera that hangs.
    const y4m = join(dir, "pattern.y4m");
    execFileSync("ffmpeg", [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10"],
      ...["-frames:v", "10", "-pix_fmt", "yuv420p", y4m],
    ]);
    const fifo = join(dir, "camera.fifo");
    execFileSync("mkfifo", [fifo]);
    const source = new FfmpegSource(
      {
        camera: "hung",
        width: 64,
        height: 48,
        stallTimeoutS: 1,
        killTimeoutMs: 500,
        backoff: { initialMs: 100 },
        source: { kind: "file", path: fifo, realtime: false },
      },
      logger,
    );
    const statuses = recordStatuses(source);
    await source.start();
    // opening a fifo for writing waits for the reader (ffmpeg); async, so the event loop keeps running meanwhile
    const fifoWriter = await open(fifo, "w");
    try {
      await fifoWriter.write(readFileSync(y4m));
      const frame = await source.nextFrame();
      assert.ok(frame);
      const stalledPid = source.pid;
      await waitFor("stalled", () => statuses.some((s) => s.state === "stalled"));
      const stalled = statuses.find((s) => s.state === "stalled");
      assert.match(stalled?.reason ?? "", /no frame for/);
      await waitFor("restart after the stall", () => statuses.some((s) => s.state === "restarting"));
      assert.match(statuses.find((s) => s.state === "restarting")?.reason ?? "", /stalled/);
      if (stalledPid) await waitFor("stalled ffmpeg reaped", () => !processExists(stalledPid));
    } finally {
      await fifoWriter.close();
    }
    await source.stop();
    assertNoChildren([]);
  });

  test("stop() reaps the child and leaves no process behind", async () => {
    const source = new FfmpegSource(
      { camera: "reap", source: { kind: "file", path: clip5s, loop: true } },
      logger,
    );
    await source.start();
    await source.nextFrame();
    const pid = source.pid;
    assert.ok(pid && processExists(pid));
    await source.stop();
    assert.equal(source.pid, undefined);
    assertNoChildren([pid]);
    // start again after stop works
    await source.start();
    assert.ok(await source.nextFrame());
    await source.stop();
    assertNoChildren([]);
  });
});
