import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeBlazeFace } from "../src/vision/detectors/blazeface.ts";
import {
  checkImage,
  dynamicInputSize,
  iou,
  letterbox,
  nms,
  toDetection,
} from "../src/vision/detectors/common.ts";
import { weightedNms } from "../src/vision/detectors/nms.ts";
import { ImageError } from "../src/vision/errors.ts";
import { fivePointsFrom68, landmarkCrop } from "../src/vision/landmarks68.ts";
import type { Box, RgbImage } from "../src/vision/types.ts";

function blank(width: number, height: number, fill = 0): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(fill), width, height };
}

describe("iou", () => {
  test("identical, disjoint, touching and half-overlapping boxes", () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
    assert.equal(iou([0, 0, 10, 10], [10, 0, 10, 10]), 0);
    // Overlap 5×10 = 50, union 150.
    assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 0, 10, 10]) - 1 / 3) < 1e-12);
  });

  test("empty boxes never overlap", () => {
    assert.equal(iou([0, 0, 0, 0], [0, 0, 0, 0]), 0);
  });
});

describe("nms", () => {
  const d = (box: Box, score: number) => ({ box, score });

  test("keeps the best of a cluster and every separate box, best first", () => {
    const kept = nms(
      [d([0, 0, 10, 10], 0.6), d([1, 1, 10, 10], 0.9), d([50, 50, 10, 10], 0.7), d([0, 1, 10, 10], 0.8)],
      0.3,
    );
    assert.deepEqual(
      kept.map((k) => k.score),
      [0.9, 0.7],
    );
  });

  test("the IoU threshold decides: 1/3 overlap survives 0.4, is suppressed at 0.3", () => {
    const items = [d([0, 0, 10, 10], 0.9), d([5, 0, 10, 10], 0.8)];
    assert.equal(nms(items, 0.4).length, 2);
    assert.equal(nms(items, 0.3).length, 1);
  });

  test("maxKeep caps the result and the input is not reordered", () => {
    const items = [d([0, 0, 1, 1], 0.1), d([10, 0, 1, 1], 0.5), d([20, 0, 1, 1], 0.3)];
    assert.deepEqual(
      nms(items, 0.5, 2).map((k) => k.score),
      [0.5, 0.3],
    );
    assert.equal(items[0].score, 0.1);
  });
});

describe("letterbox", () => {
  test("keeps the aspect ratio, pads with black, writes BGR planes when asked", async () => {
    // A 4×2 image: left half red, right half blue.
    const img = blank(4, 2);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 4; x++) {
        const p = (y * 4 + x) * 3;
        if (x < 2) img.data[p] = 200;
        else img.data[p + 2] = 100;
      }
    }
    const lb = await letterbox(img, { width: 4, height: 4, mean: 0, std: 1, bgr: true });
    assert.equal(lb.scaleX, 1);
    assert.equal(lb.scaleY, 1);
    assert.deepEqual([lb.padX, lb.padY], [0, 0]);
    const plane = 16;
    // Plane 0 is B, plane 2 is R; rows 2–3 are padding.
    assert.equal(lb.tensor[2 * plane + 0], 200);
    assert.equal(lb.tensor[0 * plane + 3], 100);
    assert.equal(lb.tensor[2 * plane + 3 * 4], 0);
  });

  test("centred letterbox: normalised values and the mapping back to original pixels", async () => {
    const img = blank(100, 50, 255);
    const lb = await letterbox(img, {
      width: 40,
      height: 40,
      mean: 127.5,
      std: 128,
      bgr: false,
      center: true,
    });
    assert.equal(lb.scaleX, 0.4);
    assert.equal(lb.scaleY, 0.4);
    assert.deepEqual([lb.padX, lb.padY], [0, 10]);
    assert.ok(Math.abs(lb.tensor[0] - -127.5 / 128) < 1e-6, "padding is black");
    assert.ok(Math.abs(lb.tensor[20 * 40 + 20] - 127.5 / 128) < 1e-6, "picture is white");
    const det = toDetection(lb, img, 4, 14, 8, 18, 0.5, [4, 14, 8, 14, 6, 16, 4, 18, 8, 18]);
    assert.deepEqual(det.box, [10, 10, 10, 10]);
    assert.deepEqual(det.landmarks[2], [15, 15]);
  });

  test("boxes are clipped to the image, scores to 0..1", async () => {
    const img = blank(10, 10);
    const lb = await letterbox(img, { width: 10, height: 10, mean: 0, std: 1, bgr: false });
    const det = toDetection(lb, img, -5, -5, 20, 5, 1.2, new Float32Array(10));
    assert.deepEqual(det.box, [0, 0, 10, 5]);
    assert.equal(det.score, 1);
  });

  test("dynamic input size: longest side as asked, both sides multiples of 32", () => {
    assert.deepEqual(dynamicInputSize(blank(2280, 1588), 640), { width: 640, height: 448 });
    assert.deepEqual(dynamicInputSize(blank(250, 250), 640), { width: 640, height: 640 });
    assert.deepEqual(dynamicInputSize(blank(10, 1000), 320), { width: 32, height: 320 });
  });

  test("a buffer that does not match the size is a typed error", async () => {
    assert.throws(() => checkImage({ data: new Uint8Array(5), width: 2, height: 2 }), ImageError);
    await assert.rejects(
      letterbox(
        { data: new Uint8Array(12), width: 0, height: 4 },
        { width: 8, height: 8, mean: 0, std: 1, bgr: false },
      ),
      ImageError,
    );
  });
});

describe("68-point helpers", () => {
  test("five points: eye means, nose tip 30, mouth corners 48/54, ordered left to right", () => {
    const pts = new Float32Array(136);
    for (let i = 36; i < 42; i++) pts.set([60 + (i - 36), 40], 2 * i); // image-right eye in slot 36–41 (mirrored)
    for (let i = 42; i < 48; i++) pts.set([20 + (i - 42), 42], 2 * i);
    pts.set([40, 60], 60);
    pts.set([55, 80], 96);
    pts.set([25, 80], 108);
    const [le, re, nose, lm, rm] = fivePointsFrom68(pts);
    assert.deepEqual(le, [22.5, 42]);
    assert.deepEqual(re, [62.5, 40]);
    assert.deepEqual(nose, [40, 60]);
    assert.deepEqual(lm, [25, 80]);
    assert.deepEqual(rm, [55, 80]);
  });

  test("landmark crop: a square of the box height, shifted inside the image", () => {
    const img = blank(200, 100);
    assert.deepEqual(landmarkCrop(img, [50, 20, 40, 60]), { x: 40, y: 20, w: 60, h: 60 });
    // Near the right edge the square moves left instead of shrinking.
    assert.deepEqual(landmarkCrop(img, [180, 20, 30, 60]), { x: 140, y: 20, w: 60, h: 60 });
    // Taller than the image: shrinks to fit.
    const big = landmarkCrop(img, [0, -50, 100, 300]);
    assert.ok(big.h <= 100 && big.y >= 0 && big.x >= 0 && big.x + big.w <= 200);
  });
});

describe("degenerate BlazeFace candidates", () => {
  test("weighted NMS ends on boxes without area (it used to loop for ever)", () => {
    const rect = (v: { values: number[] }) => v.values as unknown as Box;
    const merged = weightedNms(
      [
        { score: 0.9, values: [0, 0, -5, 10] },
        { score: 0.8, values: [0, 0, 10, 10] },
        { score: 0.7, values: [3, 3, 0, 0] },
      ],
      rect,
      0.3,
    );
    assert.equal(merged.length, 3);
  });

  test("decodeBlazeFace drops anchors whose box has no area", () => {
    const scores = new Float32Array(896).fill(-20);
    const regressors = new Float32Array(896 * 16);
    scores[0] = 5;
    regressors.set([0, 0, -4, 30], 0);
    scores[1] = 5;
    regressors.set([0, 0, 30, 30], 16);
    const faces = decodeBlazeFace({ scores, regressors }, { width: 256, height: 256 }, 0.5, 0.3);
    assert.equal(faces.length, 1);
    assert.ok(faces[0].box[2] > 0 && faces[0].box[3] > 0);
  });
});
