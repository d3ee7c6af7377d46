import assert from "node:assert/strict";
import { test } from "node:test";
import { ARCFACE_TEMPLATE } from "../src/vision/align.ts";
import { polygonCoverage } from "../src/vision/mask/raster.ts";
import { mulberry32 } from "../src/vision/mask/rng.ts";
import { drawSyntheticMask, type MaskStyle, sampleMaskParams } from "../src/vision/mask/synthetic.ts";
import type { RgbImage } from "../src/vision/types.ts";

const grey = (): RgbImage => ({ data: new Uint8Array(112 * 112 * 3).fill(150), width: 112, height: 112 });
const changedRows = (a: RgbImage, b: RgbImage) => {
  const rows = new Set<number>();
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) rows.add(Math.floor(i / 3 / a.width));
  return rows;
};

test("mulberry32 is deterministic and uniform-ish", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test("polygon coverage: a square's area and antialiased edges", () => {
  const cov = polygonCoverage([2.5, 2.5, 7.5, 2.5, 7.5, 7.5, 2.5, 7.5], 10, 10);
  assert.ok(cov);
  const area = cov.alpha.reduce((s, a) => s + a, 0);
  assert.ok(Math.abs(area - 25) < 0.01, `area ${area}`);
  assert.ok(
    cov.alpha.some((a) => a > 0.1 && a < 0.9),
    "edges are partial",
  );
  assert.equal(polygonCoverage([20, 20, 30, 20, 30, 30], 10, 10), null);
});

test("drawSyntheticMask: same seed, same mask; input untouched; only the lower face changes", () => {
  for (const style of ["surgical", "ffp2", "cloth"] as const satisfies readonly MaskStyle[]) {
    const img = grey();
    const a = drawSyntheticMask(img, ARCFACE_TEMPLATE, mulberry32(3), { style });
    const b = drawSyntheticMask(img, ARCFACE_TEMPLATE, mulberry32(3), { style });
    assert.deepEqual(a.data, b.data, `${style} deterministic`);
    assert.ok(
      img.data.every((v) => v === 150),
      "input untouched",
    );
    const rows = changedRows(img, a);
    assert.ok(rows.size > 30, `${style} draws something`);
    // Eyes sit at row 52: a mask starts at the nose bridge, never above the eyes.
    assert.ok(Math.min(...rows) > 52, `${style} stays below the eyes (top row ${Math.min(...rows)})`);
    // The mouth (row 92) is covered.
    const mouth = (92 * 112 + 56) * 3;
    assert.notDeepEqual([...a.data.subarray(mouth, mouth + 3)], [150, 150, 150], `${style} covers the mouth`);
  }
});

test("sampleMaskParams varies style, colour and position across seeds", () => {
  const rng = mulberry32(11);
  const ps = Array.from({ length: 200 }, () => sampleMaskParams(rng, grey(), ARCFACE_TEMPLATE));
  assert.equal(new Set(ps.map((p) => p.style)).size, 3);
  assert.ok(new Set(ps.map((p) => p.shape)).size === 4);
  assert.ok(new Set(ps.map((p) => p.body.pattern)).size >= 5);
  assert.ok(ps.some((p) => p.valve));
  assert.ok(Math.max(...ps.map((p) => p.top)) - Math.min(...ps.map((p) => p.top)) > 0.3);
});
