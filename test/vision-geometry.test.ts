import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import {
  ARCFACE_TEMPLATE,
  alignFace,
  applySimilarity,
  estimateSimilarity,
  invertSimilarity,
  type Similarity,
  warpSimilarity,
} from "../src/vision/align.ts";
import { decodeImage } from "../src/vision/decode.ts";
import { blazeFaceAnchors, decodeBlazeFace, withMouthCorners } from "../src/vision/detectors/blazeface.ts";
import { iou, weightedNms } from "../src/vision/detectors/nms.ts";
import { occludeLowerFace, sharpness } from "../src/vision/quality.ts";
import { bilinearRgb, letterboxParams, resizeRgb, shareShrinks } from "../src/vision/resize.ts";
import type { FivePoints, Point, RgbImage } from "../src/vision/types.ts";

// A public-domain portrait shipped with the demo (demo/SOURCES.md).
const PEOPLE = join("demo", "people", "Grace Hopper");
const PORTRAIT = join(PEOPLE, readdirSync(PEOPLE).sort()[0]);

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

test("warpSimilarity: every pixel is the bilinear sample of its source point, black outside the image", () => {
  // A crop half outside a 64×48 image, rotated and scaled: pixels inside, on the border and outside.
  const W = 64;
  const H = 48;
  let seed = 3;
  const data = Uint8Array.from({ length: W * H * 3 }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 23;
  });
  const inv: Similarity = { a: 0.8 * Math.cos(0.5), b: 0.8 * Math.sin(0.5), tx: 30, ty: -10 };
  const out = warpSimilarity({ data, width: W, height: H }, inv, 40, 40).data;
  const px = (x: number, y: number, c: number) =>
    x >= 0 && y >= 0 && x < W && y < H ? data[(y * W + x) * 3 + c] : 0;
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 40; x++) {
      const sx = inv.a * x - inv.b * y + inv.tx;
      const sy = inv.b * x + inv.a * y + inv.ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) inside++;
      if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) outside++;
      for (let c = 0; c < 3; c++) {
        const top = px(x0, y0, c) * (1 - fx) + px(x0 + 1, y0, c) * fx;
        const bottom = px(x0, y0 + 1, c) * (1 - fx) + px(x0 + 1, y0 + 1, c) * fx;
        close(
          out[(y * 40 + x) * 3 + c],
          top * (1 - fy) + bottom * fy,
          0.5 + 1e-9,
          `(${x}, ${y}) channel ${c}`,
        );
      }
    }
  assert.ok(inside > 100 && outside > 100, `${inside} inside, ${outside} outside`);
});

test("bilinearRgb: 2× smaller is the rounded mean of 2×2 blocks; a flat picture stays flat at any size", () => {
  let seed = 11;
  const data = Uint8Array.from({ length: 8 * 6 * 3 }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 23;
  });
  const half = bilinearRgb({ data, width: 8, height: 6 }, 4, 3);
  assert.equal(half.data.length, 4 * 3 * 3);
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 4; x++)
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => data[(yy * 8 + xx) * 3 + c];
        const sum = at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1);
        assert.equal(half.data[(y * 4 + x) * 3 + c], Math.floor((sum + 2) / 4));
      }
  const flat = { data: new Uint8Array(97 * 61 * 3).fill(77), width: 97, height: 61 };
  for (const [w, h] of [
    [40, 25],
    [13, 7],
    [96, 60],
  ] as const) {
    const out = bilinearRgb(flat, w, h);
    assert.equal(out.data.length, w * h * 3);
    assert.ok(out.data.every((v) => v === 77));
  }
});

test("resizeRgb shrinks a real photo to nearly what libvips gives (a blurrier filter), and enlarges with libvips", async () => {
  const { image } = await decodeImage(readFileSync(PORTRAIT));
  for (const [w, h] of [
    [Math.round(image.width / 2.5), Math.round(image.height / 2.5)],
    [Math.round(image.width / 2), Math.round(image.height / 2)],
    [64, 64],
  ] as const) {
    const ours = await resizeRgb(image, w, h);
    const vips = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(w, h, { fit: "fill" })
      .raw()
      .toBuffer();
    let diff = 0;
    for (let i = 0; i < vips.length; i++) diff += Math.abs(vips[i] - ours.data[i]);
    // Measured 1.5–4.2 grey levels (block means + bilinear are softer than Lanczos-3); one pixel off gives ~10.
    assert.ok(diff / vips.length < 5, `${w}×${h}: mean difference ${diff / vips.length}`);
  }
  const small = await resizeRgb(image, 64, 64);
  const big = await resizeRgb(small, 100, 100);
  const vips = await sharp(small.data, { raw: { width: 64, height: 64, channels: 3 } })
    .resize(100, 100, { fit: "fill" })
    .raw()
    .toBuffer();
  assert.deepEqual(Buffer.from(big.data), vips);
});

test("shareShrinks: a frame's block means are made once for every input made from its view, with the same pixels", () => {
  let seed = 5;
  const data = Uint8Array.from({ length: 64 * 48 * 3 }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 23;
  });
  const frame = { data, width: 64, height: 48 };
  const view = shareShrinks(frame);
  const half = bilinearRgb(view, 32, 24);
  assert.equal(bilinearRgb(view, 32, 24), half, "the second input from the view reuses the 2×2 means");
  assert.deepEqual(half.data, bilinearRgb(frame, 32, 24).data);
  assert.deepEqual(bilinearRgb(view, 25, 19).data, bilinearRgb(frame, 25, 19).data);
  assert.notEqual(bilinearRgb(frame, 32, 24), bilinearRgb(frame, 32, 24), "nothing kept for a plain frame");
  assert.notEqual(bilinearRgb(shareShrinks(frame), 32, 24), half, "nor across views");
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
