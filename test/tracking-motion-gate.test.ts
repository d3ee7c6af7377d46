import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MotionGate } from "../src/tracking/motion-gate.ts";
import type { RgbImage } from "../src/vision/types.ts";

const W = 640;
const H = 480;

/** A textured static scene, plus optional small per-pixel noise and a bright square at (sx, sy). */
function scene(seed: number, square?: { x: number; y: number; size: number }): RgbImage {
  const data = new Uint8Array(W * H * 3);
  let s = seed;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const noise = (s >>> 24) % 5; // sensor noise 0..4
      const base = ((x >> 5) + (y >> 5)) % 2 ? 90 : 140;
      const i = (y * W + x) * 3;
      data[i] = base + noise;
      data[i + 1] = base + noise;
      data[i + 2] = base - 20 + noise;
    }
  }
  if (square) {
    for (let y = square.y; y < square.y + square.size; y++) {
      for (let x = square.x; x < square.x + square.size; x++) {
        const i = (y * W + x) * 3;
        data[i] = 230;
        data[i + 1] = 200;
        data[i + 2] = 180;
      }
    }
  }
  return { data, width: W, height: H };
}

describe("MotionGate", () => {
  test("detects on the first frame and on motion, skips a still scene with sensor noise", () => {
    const gate = new MotionGate({ forceEvery: 100 });
    assert.equal(gate.check(scene(1), false).reason, "first");
    const still = gate.check(scene(2), false);
    assert.equal(still.detect, false);
    assert.equal(still.reason, "still");
    assert.equal(still.changedFraction, 0);
    const moved = gate.check(scene(3, { x: 200, y: 150, size: 80 }), false);
    assert.equal(moved.detect, true);
    assert.equal(moved.reason, "motion");
    assert.ok(moved.changedFraction > 0.01);
  });

  test("forces a detection every N frames and whenever tracks are alive", () => {
    const gate = new MotionGate({ forceEvery: 4 });
    const image = scene(7);
    const reasons = Array.from({ length: 9 }, () => gate.check(image, false).reason);
    assert.deepEqual(reasons, [
      "first",
      "still",
      "still",
      "still",
      "forced",
      "still",
      "still",
      "still",
      "forced",
    ]);
    assert.deepEqual(gate.check(image, true), { detect: true, reason: "tracks", changedFraction: 0 });
  });

  test("handles a change of frame size and reset()", () => {
    const gate = new MotionGate();
    gate.check(scene(1), false);
    const small: RgbImage = { data: new Uint8Array(320 * 240 * 3), width: 320, height: 240 };
    assert.equal(gate.check(small, false).reason, "first");
    gate.reset();
    assert.equal(gate.check(small, false).reason, "first");
  });
});
