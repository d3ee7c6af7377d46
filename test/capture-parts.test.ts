import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Backoff } from "../src/capture/backoff.ts";
import { parseSourceUri } from "../src/capture/create-source.ts";
import { CaptureConfigError } from "../src/capture/errors.ts";
import { buildFfmpegArgs, redact } from "../src/capture/ffmpeg-args.ts";
import { FrameMailbox } from "../src/capture/frame-mailbox.ts";
import type { Frame } from "../src/capture/types.ts";

function frame(mailbox: FrameMailbox, seq: number): Frame {
  return { camera: "c", seq, timestamp: seq, image: { data: mailbox.acquire(), width: 2, height: 2 } };
}

describe("FrameMailbox", () => {
  test("keeps only the newest frame and counts the overwritten ones as drops", async () => {
    const mailbox = new FrameMailbox(12);
    for (let seq = 1; seq <= 5; seq++) mailbox.put(frame(mailbox, seq));
    assert.equal(mailbox.drops, 4);
    assert.equal((await mailbox.take())?.seq, 5);
  });

  test("a waiting consumer gets the next frame directly", async () => {
    const mailbox = new FrameMailbox(12);
    const pending = mailbox.take();
    mailbox.put(frame(mailbox, 7));
    assert.equal((await pending)?.seq, 7);
    assert.equal(mailbox.drops, 0);
  });

  test("reuses the buffers of dropped and released frames instead of allocating", () => {
    const mailbox = new FrameMailbox(12);
    const first = frame(mailbox, 1);
    mailbox.put(first);
    mailbox.put(frame(mailbox, 2)); // drops 1: its buffer goes back to the pool
    assert.equal(mailbox.acquire(), first.image.data);
    const other = new Uint8Array(12);
    mailbox.recycle(other);
    assert.equal(mailbox.acquire(), other);
    mailbox.recycle(new Uint8Array(5)); // wrong size: not pooled
    assert.equal(mailbox.acquire().length, 12);
  });

  test("close() wakes waiters with null", async () => {
    const mailbox = new FrameMailbox(12);
    const pending = mailbox.take();
    mailbox.close();
    assert.equal(await pending, null);
    assert.equal(await mailbox.take(), null);
  });
});

describe("Backoff", () => {
  test("doubles up to the cap, and resets after a healthy run", () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 500, resetAfterS: 10 });
    assert.deepEqual(
      [0, 0, 0, 0, 0].map(() => backoff.next(0)),
      [100, 200, 400, 500, 500],
    );
    assert.equal(backoff.next(10_000), 100);
    assert.equal(backoff.next(9_999), 200);
  });
});

describe("buildFfmpegArgs", () => {
  const out = { width: 640, height: 480, fps: 5 };

  test("v4l2 asks the camera for the mode and letterboxes to rgb24", () => {
    const args = buildFfmpegArgs("c", { kind: "v4l2", device: "/dev/video0", inputFormat: "mjpeg" }, out);
    assert.deepEqual(args.slice(args.indexOf("-f"), args.indexOf("-i") + 2), [
      ...[
        "-f",
        "v4l2",
        "-input_format",
        "mjpeg",
        "-video_size",
        "640x480",
        "-framerate",
        "5",
        "-i",
        "/dev/video0",
      ],
    ]);
    const vf = args[args.indexOf("-vf") + 1];
    assert.match(vf, /^fps=5,scale=640:480:force_original_aspect_ratio=decrease,pad=640:480/);
    assert.deepEqual(args.slice(-5), ["-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"]);
  });

  test("rtsp uses tcp; files read at native rate unless told otherwise, and may loop", () => {
    assert.deepEqual(buildFfmpegArgs("c", { kind: "rtsp", url: "rtsp://cam/1" }, out).slice(5, 9), [
      "-rtsp_transport",
      "tcp",
      "-i",
      "rtsp://cam/1",
    ]);
    const looped = buildFfmpegArgs("c", { kind: "file", path: "a.mp4", loop: true }, out);
    assert.deepEqual(looped.slice(5, 10), ["-stream_loop", "-1", "-re", "-i", "a.mp4"]);
    const fast = buildFfmpegArgs("c", { kind: "file", path: "a.mp4", realtime: false }, out);
    assert.ok(!fast.includes("-re"));
  });

  test("refuses configurations that cannot work", () => {
    assert.throws(() => buildFfmpegArgs("c", { kind: "rtsp", url: "http://x" }, out), CaptureConfigError);
    assert.throws(
      () => buildFfmpegArgs("c", { kind: "file", path: "a" }, { width: 0, height: 480 }),
      CaptureConfigError,
    );
    assert.throws(
      () => buildFfmpegArgs("c", { kind: "file", path: "a" }, { width: 64, height: 48, fps: 0 }),
      CaptureConfigError,
    );
  });

  test("redacts passwords from urls", () => {
    assert.equal(redact("rtsp://admin:s3cret@10.0.0.2/live"), "rtsp://admin:***@10.0.0.2/live");
  });
});

test("parseSourceUri reads the short forms", () => {
  assert.deepEqual(parseSourceUri("/dev/video2"), { kind: "v4l2", device: "/dev/video2" });
  assert.deepEqual(parseSourceUri("rtsp://cam/1"), { kind: "rtsp", url: "rtsp://cam/1" });
  assert.deepEqual(parseSourceUri("https://cam/mjpg"), { kind: "http", url: "https://cam/mjpg" });
  assert.deepEqual(parseSourceUri("photos/"), { kind: "folder", path: "photos/" });
  assert.deepEqual(parseSourceUri("clip.mp4"), { kind: "file", path: "clip.mp4" });
});
