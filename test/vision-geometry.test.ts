import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ARCFACE_TEMPLATE,
  alignFace,
  applySimilarity,
  estimateSimilarity,
  invertSimilarity,
} from "../src/vision/align.ts";
import { blazeFaceAnchors, decodeBlazeFace, withMouthCorners } from "../src/vision/detectors/blazeface.ts";
import { iou, weightedNms } from "../src/vision/detectors/nms.ts";
import { occludeLowerFace, sharpness } from "../src/vision/quality.ts";
import { letterboxParams } from "../src/vision/resize.ts";
import type { FivePoints, Point, RgbImage } from "../src/vision/types.ts";

const close = (a: number, b: number, eps: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= eps, `${msg ?? ""} ${a} vs ${b} (±${eps})`);

test("estimateSimilarity recovers a known rotation, scale and shift", () => {
  const truth = { a: 1.3 * Math.cos(0.4), b: 1.3 * Math.sin(0.4), tx: 12, ty: -7 };
  const src: Point[] = [
    [10, 20],
    [50, 22],
    [30, 40],
    [15, 60],
    [45, 61],
  ];
  const dst = src.map((p) => applySimilarity(truth, p));
  const est = estimateSimilarity(src, dst);
  for (const k of ["a", "b", "tx", "ty"] as const) close(est[k], truth[k], 1e-9, k);
  const back = applySimilarity(invertSimilarity(est), dst[2]);
  close(back[0], src[2][0], 1e-9);
  close(back[1], src[2][1], 1e-9);
});

test("alignFace puts the landmarks on the ArcFace template", () => {
  // A 300×200 image with bright dots where the "landmarks" are, rotated and scaled relative to the template.
  const t = { a: 2 * Math.cos(-0.3), b: 2 * Math.sin(-0.3), tx: 80, ty: 40 };
  const landmarks = ARCFACE_TEMPLATE.map((p) => applySimilarity(t, p)) as unknown as FivePoints;
  const W = 300;
  const H = 260;
  const data = new Uint8Array(W * H * 3);
  for (const [x, y] of landmarks) {
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++)
        data.fill(
          255,
          ((Math.round(y) + dy) * W + Math.round(x) + dx) * 3,
          ((Math.round(y) + dy) * W + Math.round(x) + dx) * 3 + 3,
        );
  }
  const aligned = alignFace({ data, width: W, height: H }, landmarks);
  assert.equal(aligned.width, 112);
  for (const [x, y] of ARCFACE_TEMPLATE) {
    const v = aligned.data[(Math.round(y) * 112 + Math.round(x)) * 3];
    assert.ok(v > 128, `template point (${x}, ${y}) is dark (${v})`);
  }
});

test("letterbox keeps the aspect and centres the image", () => {
  const lb = letterboxParams(640, 480, 256);
  assert.deepEqual([lb.width, lb.height, lb.padX, lb.padY], [256, 192, 0, 32]);
  close(lb.scale, 0.4, 1e-12);
});

test("BlazeFace anchors: 16×16×2 then 8×8×6", () => {
  const a = blazeFaceAnchors();
  assert.equal(a.length / 2, 896);
  assert.deepEqual([a[0], a[1]], [0.5 / 16, 0.5 / 16]);
  assert.deepEqual([a[1024], a[1025]], [0.5 / 8, 0.5 / 8]);
});

test("decodeBlazeFace maps a synthetic detection back to original pixels", () => {
  const scores = new Float32Array(896).fill(-20);
  const regressors = new Float32Array(896 * 16);
  // Anchor 2·(8·16 + 8) sits at the centre (136/256 px); put a 64 px face there with eyes, nose and mouth.
  const i = 2 * (8 * 16 + 8);
  scores[i] = 5;
  const r = regressors.subarray(i * 16, i * 16 + 16);
  r.set([0, 0, 64, 64, -12, -10, 12, -10, 0, 4, 0, 18, -28, -4, 28, -4]);
  const faces = decodeBlazeFace({ scores, regressors }, { width: 640, height: 480 }, 0.5, 0.3);
  assert.equal(faces.length, 1);
  const lb = letterboxParams(640, 480, 256);
  const cx = (136 - lb.padX) / lb.scale;
  const cy = (136 - lb.padY) / lb.scale;
  const [x, y, w, h] = faces[0].box;
  close(x + w / 2, cx, 1e-3);
  close(y + h / 2, cy, 1e-3);
  close(w, 64 / lb.scale, 1e-3);
  close(faces[0].score, 1 / (1 + Math.exp(-5)), 1e-6);
  const [eyeL, eyeR, nose] = faces[0].landmarks;
  assert.ok(eyeL[0] < eyeR[0] && eyeL[1] < nose[1], "eyes left-to-right and above the nose");
});

test("mouth corners are placed symmetrically around the mouth centre", () => {
  const five = withMouthCorners([40, 50], [80, 50], [60, 70], [60, 90]);
  close(five[3][0], 60 - 40 * 0.414, 1e-9);
  close(five[4][0], 60 + 40 * 0.414, 1e-9);
  assert.equal(five[3][1], 90);
});

test("weighted NMS merges overlapping boxes and keeps separate ones", () => {
  const c = (x: number, s: number) => ({ score: s, values: [x, 0, 10, 10] });
  const merged = weightedNms(
    [c(0, 0.9), c(1, 0.6), c(50, 0.8)],
    (v) => v.values as unknown as [number, number, number, number],
    0.3,
  );
  assert.equal(merged.length, 2);
  close(merged[0].values[0], 0.6 / 1.5, 1e-9);
  close(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150, 1e-12);
});

test("sharpness tells a sharp face from a smeared one; lower face greying", () => {
  const noisy: RgbImage = { data: new Uint8Array(112 * 112 * 3), width: 112, height: 112 };
  for (let i = 0; i < noisy.data.length; i++) noisy.data[i] = (i * 7919) % 251;
  const flat: RgbImage = { data: new Uint8Array(112 * 112 * 3).fill(90), width: 112, height: 112 };
  assert.ok(sharpness(noisy) > 100);
  assert.equal(sharpness(flat), 0);
  const grey = occludeLowerFace(noisy, 72);
  assert.equal(grey.data[72 * 112 * 3], 128);
  assert.equal(grey.data[0], noisy.data[0]);
});
