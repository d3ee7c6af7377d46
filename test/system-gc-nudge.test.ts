// GcNudge (src/system/gc-nudge.ts) keeps dead frame-sized buffers from piling up: V8 alone lets ~64 MB of such
// "external" memory accumulate before it collects (the daemon's camera and vision threads hit that every few
// seconds). Measured through V8's own account of live ArrayBuffer memory, no timing involved.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GcNudge } from "../src/system/gc-nudge.ts";

const FRAME = 640 * 480 * 3;

/** Allocates `count` frame-sized buffers that die at once, as a camera's pipe chunks do; the largest dead pile. */
function churn(count: number, nudge?: GcNudge): number {
  let most = 0;
  for (let i = 0; i < count; i++) {
    new Uint8Array(FRAME).fill(i & 0xff);
    nudge?.allocated(FRAME);
    most = Math.max(most, process.memoryUsage().arrayBuffers);
  }
  return most / 2 ** 20;
}

test("with the nudge, dead frame buffers stay a few MB; without, V8 lets tens of MB pile up", () => {
  const without = churn(120);
  const nudged = churn(120, new GcNudge({ minorEveryBytes: 2 * 2 ** 20 }));
  assert.ok(nudged < 16, `with the nudge at most ${nudged.toFixed(1)} MB of buffers were alive or dead`);
  assert.ok(without > 1.5 * nudged, `without it ${without.toFixed(1)} MB (nudged ${nudged.toFixed(1)} MB)`);
});
