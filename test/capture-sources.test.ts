import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createFrameSource } from "../src/capture/create-source.ts";
import { ImageFolderSource } from "../src/capture/image-folder-source.ts";
import { StillSource } from "../src/capture/still-source.ts";
import type { Frame } from "../src/capture/types.ts";
import { childPids, memoryLogger, recordStatuses, waitFor } from "./helpers/capture.ts";
import { makeTestImage } from "./helpers/video.ts";

const logger = memoryLogger();
let dir = "";
let folder = "";
let jpeg = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "facegate-sources-"));
  folder = join(dir, "slides");
  mkdirSync(folder);
  // different sizes and formats: every frame must still be exactly the configured size
  await makeTestImage(join(folder, "1.jpg"), { width: 320, height: 240 });
  await makeTestImage(join(folder, "2.png"), { width: 200, height: 400 });
  await makeTestImage(join(folder, "10.jpg"), { width: 800, height: 300 });
  writeFileSync(join(folder, "notes.txt"), "not an image");
  jpeg = await makeTestImage(join(dir, "still.jpg"), { width: 640, height: 360 });
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function collect(source: { nextFrame(): Promise<Frame | null> }, max: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let i = 0; i < max; i++) {
    const frame = await source.nextFrame();
    if (!frame) break;
    frames.push(frame);
  }
  return frames;
}

describe("ImageFolderSource", () => {
  test("shows every image in name order at the configured size, then ends when not looping", async () => {
    const source = new ImageFolderSource(
      {
        camera: "slides",
        fps: 20,
        source: { kind: "folder", path: folder, secondsPerImage: 0.1, loop: false },
      },
      logger,
    );
    const statuses = recordStatuses(source);
    await source.start();
    const frames = await collect(source, 100);
    assert.ok(frames.length >= 3, `got ${frames.length} frames`);
    for (const f of frames)
      assert.deepEqual([f.image.width, f.image.height, f.image.data.length], [640, 480, 921600]);
    // three different pictures came through (letterboxing differs per aspect ratio)
    const distinct = new Set(frames.map((f) => createHash("sha1").update(f.image.data).digest("hex")));
    assert.ok(distinct.size >= 3, `distinct pictures: ${distinct.size}`);
    assert.equal(source.status.state, "stopped");
    assert.equal(source.status.reason, "end of folder");
    assert.ok(statuses.some((s) => s.state === "running"));
    await source.stop();
  });

  test("a missing folder is reported and retried, not thrown", async () => {
    const source = createFrameSource(
      {
        camera: "nofolder",
        backoff: { initialMs: 20 },
        source: { kind: "folder", path: join(dir, "absent") },
      },
      logger,
    );
    await source.start();
    await waitFor("2 restarts", () => source.stats.restarts >= 2);
    assert.equal(source.status.state, "restarting");
    assert.match(source.status.reason, /cannot read folder/);
    await source.stop();
    assert.equal(source.status.state, "stopped");
  });
});

describe("StillSource", () => {
  test("decodes the JPEG a command writes to stdout, periodically", async () => {
    const source = new StillSource(
      {
        camera: "pi",
        width: 320,
        height: 240,
        source: { kind: "still", command: ["cat", jpeg], intervalMs: 50 },
      },
      logger,
    );
    await source.start();
    const frames = await collect(source, 3);
    await source.stop();
    assert.equal(frames.length, 3);
    for (const f of frames) assert.deepEqual([f.image.width, f.image.height], [320, 240]);
    assert.ok(frames[0].image.data.some((v) => v > 50));
    assert.equal(source.stats.restarts, 0);
  });

  test("works with ffmpeg writing a JPEG to a pipe", async () => {
    const source = createFrameSource(
      {
        camera: "ffstill",
        source: {
          kind: "still",
          command: ["ffmpeg", "-loglevel", "error", "-i", jpeg, "-f", "image2pipe", "-vcodec", "mjpeg", "-"],
          intervalMs: 100,
        },
      },
      logger,
    );
    await source.start();
    const frame = await source.nextFrame();
    await source.stop();
    assert.ok(frame);
    assert.deepEqual([frame.image.width, frame.image.height], [640, 480]);
  });

  test("a failing command is reported with its error and retried with backoff", async () => {
    const source = new StillSource(
      {
        camera: "broken",
        backoff: { initialMs: 20, maxMs: 80 },
        source: { kind: "still", command: ["sh", "-c", "echo camera not found >&2; exit 3"], intervalMs: 10 },
      },
      logger,
    );
    const statuses = recordStatuses(source);
    await source.start();
    await waitFor("3 restarts", () => source.stats.restarts >= 3);
    await source.stop();
    const failures = statuses.filter((s) => s.state === "restarting");
    assert.match(failures[0].reason, /exited \(code 3\): camera not found/);
    assert.deepEqual(
      failures.slice(0, 3).map((s) => s.retryInMs),
      [20, 40, 80],
    );
  });

  test("output that is not an image is a failure, not a crash", async () => {
    const source = new StillSource(
      {
        camera: "garbage",
        backoff: { initialMs: 20 },
        source: { kind: "still", command: ["echo", "hello"] },
      },
      logger,
    );
    await source.start();
    await waitFor("a failure", () => source.stats.restarts >= 1);
    assert.match(source.status.reason, /cannot decode/);
    await source.stop();
  });

  test("a hanging command is killed after its timeout and stop() leaves no child", async () => {
    const source = new StillSource(
      {
        camera: "hang",
        killTimeoutMs: 500,
        source: { kind: "still", command: ["sleep", "30"], commandTimeoutMs: 200 },
      },
      logger,
    );
    await source.start();
    await waitFor("a timeout", () => source.stats.restarts >= 1);
    assert.match(source.status.reason, /timed out after 200 ms/);
    await source.stop();
    assert.deepEqual(childPids(), []);
  });

  test("an unknown command is reported", async () => {
    const source = new StillSource(
      { camera: "nocmd", source: { kind: "still", command: ["/nonexistent/fswebcam", "-"] } },
      logger,
    );
    await source.start();
    await waitFor("a failure", () => source.stats.restarts >= 1);
    assert.match(source.status.reason, /cannot run .*ENOENT/);
    await source.stop();
  });
});
