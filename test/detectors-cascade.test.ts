import assert from "node:assert/strict";
import { test } from "node:test";
import { CascadeDetector } from "../src/vision/detectors/cascade.ts";
import { detectInRegions, detectMirrored, mirrorRgb, tileRegions } from "../src/vision/detectors/passes.ts";
import type { Box, Detection, FaceDetector, RgbImage } from "../src/vision/types.ts";

/** A fake detector: answers per image size, and counts its calls. */
class Fake implements FaceDetector {
  readonly id = "fake";
  calls: { width: number; height: number }[] = [];
  constructor(private readonly answer: (img: RgbImage) => Detection[]) {}
  async detect(img: RgbImage): Promise<Detection[]> {
    this.calls.push({ width: img.width, height: img.height });
    return this.answer(img);
  }
  async close(): Promise<void> {}
}

function det(box: Box, score: number): Detection {
  const [x, y, w, h] = box;
  return {
    box,
    score,
    landmarks: [
      [x + 0.3 * w, y + 0.4 * h],
      [x + 0.7 * w, y + 0.4 * h],
      [x + 0.5 * w, y + 0.6 * h],
      [x + 0.35 * w, y + 0.8 * h],
      [x + 0.65 * w, y + 0.8 * h],
    ],
  };
}

const image = (width: number, height: number): RgbImage => ({
  data: new Uint8Array(width * height * 3),
  width,
  height,
});

test("a sure first detection costs one primary pass", async () => {
  const primary = new Fake(() => [det([10, 10, 50, 50], 0.9)]);
  const verifier = new Fake(() => []);
  const found = await new CascadeDetector(primary, verifier).detect(image(200, 100));
  assert.equal(found.length, 1);
  assert.equal(primary.calls.length, 1);
  assert.equal(verifier.calls.length, 0);
});

test("the second look runs only when both passes found nothing, on tiles and the mirror", async () => {
  // The primary sees a face only in a tile (a zoomed view), never in the whole picture.
  const primary = new Fake((img) => (img.width === 120 ? [det([10, 20, 30, 30], 0.95)] : []));
  const verifier = new Fake(() => []);
  const cascade = new CascadeDetector(primary, verifier, { zoomGrid: 2, zoomFraction: 0.6, mirror: true });
  const found = await cascade.detect(image(200, 100));
  // 1 full + 4 tiles + 1 mirror.
  assert.equal(primary.calls.length, 6);
  assert.equal(verifier.calls.length, 1);
  // Four tiles each report the face at their own origin: four places, nothing overlapping.
  assert.equal(found.length, 4);
  assert.deepEqual(found.map((d) => d.box).sort((a, b) => a[0] - b[0] || a[1] - b[1])[0], [10, 20, 30, 30]);
});

test("doubtful second-look detections need the verifier", async () => {
  const primary = new Fake((img) => (img.width === 120 ? [det([10, 20, 30, 30], 0.6)] : []));
  const none = new Fake(() => []);
  assert.equal(
    (await new CascadeDetector(primary, none, { mirror: false }).detect(image(200, 100))).length,
    0,
  );
  // A verifier box under the rescue score but overlapping the first tile's face confirms it.
  const weak = new Fake(() => [det([12, 20, 30, 30], 0.5)]);
  const found = await new CascadeDetector(primary, weak, { mirror: false }).detect(image(200, 100));
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].box, [10, 20, 30, 30]);
});

test("zoomGrid 0 and no mirror keep the old cascade", async () => {
  const primary = new Fake(() => []);
  const verifier = new Fake(() => []);
  await new CascadeDetector(primary, verifier, { zoomGrid: 0, mirror: false }).detect(image(64, 64));
  assert.equal(primary.calls.length, 1);
});

test("tiles overlap and cover the picture", () => {
  const tiles = tileRegions(1000, 500, 2, 0.6);
  assert.deepEqual(tiles, [
    { x: 0, y: 0, w: 600, h: 300 },
    { x: 400, y: 0, w: 600, h: 300 },
    { x: 0, y: 200, w: 600, h: 300 },
    { x: 400, y: 200, w: 600, h: 300 },
  ]);
  assert.deepEqual(tileRegions(100, 100, 1, 0.5), [{ x: 25, y: 25, w: 50, h: 50 }]);
});

test("mirrored detections map back, eyes in image order", async () => {
  const img = image(100, 50);
  img.data.set([1, 2, 3], 0); // top-left pixel
  assert.deepEqual(Array.from(mirrorRgb(img).data.subarray(99 * 3, 100 * 3)), [1, 2, 3]);
  const found = await detectMirrored(new Fake(() => [det([10, 5, 20, 20], 0.9)]), img);
  assert.deepEqual(found[0].box, [70, 5, 20, 20]);
  const [l, r] = found[0].landmarks;
  assert.ok(l[0] < r[0]);
  const inTile = await detectInRegions(new Fake(() => [det([1, 2, 3, 4], 0.9)]), img, [
    { x: 5, y: 6, w: 10, h: 10 },
  ]);
  assert.deepEqual(inTile[0].box, [6, 8, 3, 4]);
});

test("second-look detections from 0.4 count when the verifier agrees, weaker ones never", async () => {
  const looks = (score: number) =>
    new Fake((img) => (img.width === 120 ? [det([10, 20, 30, 30], score)] : []));
  const agreeing = () => new Fake(() => [det([12, 20, 30, 30], 0.35)]);
  const opts = { mirror: false };
  assert.equal((await new CascadeDetector(looks(0.45), agreeing(), opts).detect(image(200, 100))).length, 1);
  assert.equal((await new CascadeDetector(looks(0.38), agreeing(), opts).detect(image(200, 100))).length, 0);
  // Without the verifier's agreement a 0.45 look is not enough.
  const none = new Fake(() => []);
  assert.equal((await new CascadeDetector(looks(0.45), none, opts).detect(image(200, 100))).length, 0);
});

test("a two-step verifier gives landmarks only to the faces it rescues", async () => {
  // The verifier sees the primary's doubtful face (confirming it: boxes suffice) and a face the primary missed.
  const verifier = Object.assign(new Fake(() => []), {
    landmarkCalls: [] as Box[],
    async boxes() {
      return [
        { box: [12, 10, 50, 50] as Box, score: 0.5 },
        { box: [120, 10, 40, 40] as Box, score: 0.9 },
      ];
    },
    async landmarksFor(_img: RgbImage, box: Box) {
      this.landmarkCalls.push(box);
      return det(box, 1).landmarks;
    },
  });
  const primary = new Fake(() => [det([10, 10, 50, 50], 0.5)]);
  const found = await new CascadeDetector(primary, verifier, { mirror: false, zoomGrid: 0 }).detect(
    image(200, 100),
  );
  assert.deepEqual(
    found.map((d) => d.box),
    [
      [10, 10, 50, 50],
      [120, 10, 40, 40],
    ],
  );
  assert.equal(verifier.calls.length, 0, "detect() (landmarks for every face) is not used");
  assert.deepEqual(verifier.landmarkCalls, [[120, 10, 40, 40]], "one landmark pass: the rescued face");
  assert.equal(found[1].landmarks.length, 5);
});
