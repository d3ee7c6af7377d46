import assert from "node:assert/strict";
import { test } from "node:test";
import { CascadeDetector } from "../src/vision/detectors/cascade.ts";
import type { Box, Detection, FaceDetector, FivePoints, RgbImage } from "../src/vision/types.ts";

const LM: FivePoints = [
  [0, 0],
  [1, 0],
  [0.5, 0.5],
  [0.2, 1],
  [0.8, 1],
];
const det = (box: Box, score: number): Detection => ({ box, score, landmarks: LM });

class Fake implements FaceDetector {
  calls = 0;
  closed = false;
  constructor(
    readonly id: string,
    private readonly out: Detection[],
  ) {}
  async detect(_image: RgbImage): Promise<Detection[]> {
    this.calls++;
    return this.out;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
const IMG: RgbImage = { data: new Uint8Array(3), width: 1, height: 1 };

test("sure primary faces skip the verifier", async () => {
  const v = new Fake("v", [det([500, 500, 50, 50], 0.99)]);
  const c = new CascadeDetector(new Fake("p", [det([0, 0, 100, 100], 0.9)]), v);
  assert.equal((await c.detect(IMG)).length, 1);
  assert.equal(v.calls, 0);
  assert.equal(c.id, "cascade-p+v");
});

test("doubtful primary faces need the verifier's agreement", async () => {
  const doubtful = det([0, 0, 100, 100], 0.5);
  const agreeing = new CascadeDetector(
    new Fake("p", [doubtful]),
    new Fake("v", [det([5, 5, 100, 100], 0.4)]),
  );
  assert.deepEqual(await agreeing.detect(IMG), [doubtful]);
  const elsewhere = new CascadeDetector(
    new Fake("p", [doubtful]),
    new Fake("v", [det([300, 300, 50, 50], 0.4)]),
  );
  assert.deepEqual(await elsewhere.detect(IMG), []);
  const tooLow = new CascadeDetector(new Fake("p", [det([0, 0, 100, 100], 0.2)]), new Fake("v", []));
  assert.deepEqual(await tooLow.detect(IMG), []);
});

test("a sure verifier face is rescued where the primary saw nothing, without duplicates", async () => {
  const rescued = det([300, 300, 60, 60], 0.95);
  const c = new CascadeDetector(
    new Fake("p", [det([0, 0, 100, 100], 0.9), det([400, 0, 50, 50], 0.4)]),
    new Fake("v", [det([2, 2, 100, 100], 0.99), rescued, det([600, 600, 40, 40], 0.6)]),
  );
  const out = await c.detect(IMG);
  assert.equal(out.length, 2);
  assert.equal(out[1], rescued);
  const p = new Fake("p", []);
  const v = new Fake("v", []);
  await new CascadeDetector(p, v).close();
  assert.ok(p.closed && v.closed);
});
