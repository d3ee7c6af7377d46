import type { Detection, FaceDetector, FivePoints, Point, RgbImage } from "../types.ts";

/**
 * Test-time passes over parts or mirrors of a picture, their detections mapped back into the picture's pixels.
 * A 256-px detector sees a face that fills 1/10 of a 1,000-px photo as 25 px, too small for it; run on a tile
 * the same face is twice as big.
 */

/** An integer rectangle of the picture. */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function cropRegion(img: RgbImage, r: Region): RgbImage {
  const out = new Uint8Array(r.w * r.h * 3);
  for (let row = 0; row < r.h; row++) {
    const s = ((r.y + row) * img.width + r.x) * 3;
    out.set(img.data.subarray(s, s + r.w * 3), row * r.w * 3);
  }
  return { data: out, width: r.w, height: r.h };
}

/** Left-right mirror. */
export function mirrorRgb(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0, d = row + (w - 1) * 3; x < w; x++, d -= 3) {
      const s = row + x * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * `grid`×`grid` tiles, each `fraction` of the picture's width and height (> 1/grid so they overlap and a face
 * on a seam lies whole inside one of them).
 */
export function tileRegions(width: number, height: number, grid: number, fraction: number): Region[] {
  const w = Math.max(1, Math.round(width * fraction));
  const h = Math.max(1, Math.round(height * fraction));
  const out: Region[] = [];
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      const x = grid === 1 ? Math.round((width - w) / 2) : Math.round(((width - w) * i) / (grid - 1));
      const y = grid === 1 ? Math.round((height - h) / 2) : Math.round(((height - h) * j) / (grid - 1));
      out.push({ x, y, w, h });
    }
  }
  return out;
}

function shift(d: Detection, r: Region): Detection {
  const p = (q: Point): Point => [q[0] + r.x, q[1] + r.y];
  const [a, b, c, e, f] = d.landmarks;
  return {
    box: [d.box[0] + r.x, d.box[1] + r.y, d.box[2], d.box[3]],
    score: d.score,
    landmarks: [p(a), p(b), p(c), p(e), p(f)],
  };
}

/** Runs `detector` on each region and returns its detections in the picture's pixels. */
export async function detectInRegions(
  detector: FaceDetector,
  image: RgbImage,
  regions: Region[],
): Promise<Detection[]> {
  const out: Detection[] = [];
  for (const r of regions) for (const d of await detector.detect(cropRegion(image, r))) out.push(shift(d, r));
  return out;
}

/** Runs `detector` on the mirrored picture and mirrors its detections back (left/right points swapped back). */
export async function detectMirrored(detector: FaceDetector, image: RgbImage): Promise<Detection[]> {
  const w = image.width;
  const m = (q: Point): Point => [w - q[0], q[1]];
  return (await detector.detect(mirrorRgb(image))).map((d) => {
    const [l, r, n, ml, mr] = d.landmarks;
    const landmarks: FivePoints = [m(r), m(l), m(n), m(mr), m(ml)];
    return { box: [w - d.box[0] - d.box[2], d.box[1], d.box[2], d.box[3]], score: d.score, landmarks };
  });
}
