import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FfmpegSource } from "../src/capture/ffmpeg-source.ts";
import { MotionGate } from "../src/tracking/motion-gate.ts";
import { memoryLogger } from "./helpers/capture.ts";
import { makeVideo, NO_SHARED_DATA, sharedDataDir, walkInOut } from "./helpers/video.ts";

const data = sharedDataDir();

test("a walk-in/walk-out video from photos plays through capture, and the motion gate sees people come and go", {
  skip: data ? false : NO_SHARED_DATA,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-walk-"));
  try {
    const video = await makeVideo({
      out: join(dir, "walk.mp4"),
      fps: 10,
      segments: walkInOut(
        [
          { path: join(data as string, "deepface/Angelina/img1.jpg"), label: "Angelina" },
          { path: join(data as string, "deepface/Elon/img18.jpg"), label: "Elon" },
        ],
        { visibleS: 2, gapS: 1 },
      ),
    });
    assert.equal(video.frames, 70);
    assert.deepEqual(
      video.timeline.map((t) => t.labels),
      [[], ["Angelina"], [], ["Elon"], []],
    );
    assert.deepEqual(
      video.timeline.map((t) => [t.firstFrame, t.lastFrame]),
      [
        [0, 9],
        [10, 29],
        [30, 39],
        [40, 59],
        [60, 69],
      ],
    );

    // as fast as possible, and a consumer that takes every frame in turn (it is faster than nothing: drops may occur)
    const source = new FfmpegSource(
      { camera: "walk", source: { kind: "file", path: video.path, realtime: false } },
      memoryLogger(),
    );
    const gate = new MotionGate({ forceEvery: 1000 });
    const motionFrames: number[] = [];
    await source.start();
    let seen = 0;
    while (seen < 70) {
      const frame = await source.nextFrame();
      assert.ok(frame);
      seen = frame.seq;
      // seq − 1 is the frame index within the first play (a restart at the end would replay it)
      if (gate.check(frame.image, false).reason === "motion" && frame.seq <= 70)
        motionFrames.push(frame.seq - 1);
      source.release(frame);
      if (source.status.state === "restarting") break;
    }
    await source.stop();
    // people entering (frame 10, 40) and leaving (30, 60) are motion; the bare background is not
    assert.ok(motionFrames.length > 0);
    for (const f of motionFrames) assert.ok(f >= 10 && f <= 60, `motion at background frame ${f}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
