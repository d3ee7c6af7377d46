/**
 * Antialiased polygon coverage on a pixel grid: 4 sub-scanlines per pixel row, exact horizontal coverage at the
 * span ends. Plain typed arrays, no per-pixel closures: masks are drawn thousands of times while training.
 */

const SUB = 4;

/** Coverage 0..1 of a region of the image: `alpha[(y - y0) * w + (x - x0)]`. */
export interface Coverage {
  x0: number;
  y0: number;
  w: number;
  h: number;
  alpha: Float32Array;
}

/** Fills a closed polygon (x, y pairs) with the even-odd rule, clipped to width × height. Null when off-image. */
export function polygonCoverage(pts: ArrayLike<number>, width: number, height: number): Coverage | null {
  const n = pts.length >> 1;
  if (n < 3) return null;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, pts[2 * i]);
    maxX = Math.max(maxX, pts[2 * i]);
    minY = Math.min(minY, pts[2 * i + 1]);
    maxY = Math.max(maxY, pts[2 * i + 1]);
  }
  const x0 = Math.max(0, Math.floor(minX));
  const y0 = Math.max(0, Math.floor(minY));
  const x1 = Math.min(width, Math.ceil(maxX) + 1);
  const y1 = Math.min(height, Math.ceil(maxY) + 1);
  if (x1 <= x0 || y1 <= y0) return null;
  const w = x1 - x0;
  const h = y1 - y0;
  const alpha = new Float32Array(w * h);
  const xs = new Float64Array(n);
  for (let py = y0; py < y1; py++) {
    const row = (py - y0) * w;
    for (let s = 0; s < SUB; s++) {
      const sy = py + (s + 0.5) / SUB;
      let k = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const ay = pts[2 * i + 1];
        const by = pts[2 * j + 1];
        if (ay > sy !== by > sy) {
          const ax = pts[2 * i];
          xs[k++] = ax + ((sy - ay) * (pts[2 * j] - ax)) / (by - ay);
        }
      }
      const crossings = xs.subarray(0, k).sort();
      for (let c = 0; c + 1 < k; c += 2) addSpan(alpha, row, x0, w, crossings[c], crossings[c + 1]);
    }
  }
  return { x0, y0, w, h, alpha };
}

/** Adds 1/SUB of coverage for [xa, xb) of one sub-scanline, fractional at the two end pixels. */
function addSpan(alpha: Float32Array, row: number, x0: number, w: number, xa: number, xb: number): void {
  const a = Math.max(xa - x0, 0);
  const b = Math.min(xb - x0, w);
  if (b <= a) return;
  const ia = Math.floor(a);
  const ib = Math.floor(b);
  const q = 1 / SUB;
  if (ia === ib) {
    alpha[row + ia] += (b - a) * q;
    return;
  }
  alpha[row + ia] += (ia + 1 - a) * q;
  for (let x = ia + 1; x < ib; x++) alpha[row + x] += q;
  if (ib < w) alpha[row + ib] += (b - ib) * q;
}

/** A thick polyline as one polygon (its outline walked out and back): straps, ear loops, seams. */
export function strokePolygon(line: ArrayLike<number>, halfWidth: number): Float64Array {
  const n = line.length >> 1;
  const out = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - 1);
    const b = Math.min(n - 1, i + 1);
    const dx = line[2 * b] - line[2 * a];
    const dy = line[2 * b + 1] - line[2 * a + 1];
    const len = Math.hypot(dx, dy) || 1;
    const nx = (-dy / len) * halfWidth;
    const ny = (dx / len) * halfWidth;
    out[2 * i] = line[2 * i] + nx;
    out[2 * i + 1] = line[2 * i + 1] + ny;
    const k = 2 * (2 * n - 1 - i);
    out[k] = line[2 * i] - nx;
    out[k + 1] = line[2 * i + 1] - ny;
  }
  return out;
}
