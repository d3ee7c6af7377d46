import type { RgbImage } from "../types.ts";

/**
 * Features of an aligned 112×112 face for the mask flag: an 8×8 grid of 14-px cells, each described by its
 * brightness (absolute and relative to the upper face), its colour relative to the upper face's skin, its
 * contrast and its horizontal/vertical gradient energy. A mask shows as a lower face whose colour and texture
 * differ from the forehead and cheeks above it and lack the mouth's and nostrils' edges — whatever its colour.
 */
export const GRID = 8;
const CELL = 14;
export const PER_CELL = 7;
export const FEATURE_COUNT = GRID * GRID * PER_CELL;

/** Scratch buffers reused between calls: feature extraction runs for every face of every frame. */
const luma = new Float32Array(112 * 112);
const chromaR = new Float32Array(112 * 112);
const chromaG = new Float32Array(112 * 112);

export function maskFeatures(aligned: RgbImage, out = new Float32Array(FEATURE_COUNT)): Float32Array {
  if (aligned.width !== 112 || aligned.height !== 112) {
    throw new RangeError(`mask features need a 112×112 aligned face, got ${aligned.width}×${aligned.height}`);
  }
  const d = aligned.data;
  for (let i = 0, p = 0; i < 112 * 112; i++, p += 3) {
    const r = d[p];
    const g = d[p + 1];
    const b = d[p + 2];
    const s = r + g + b + 3;
    luma[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    chromaR[i] = r / s;
    chromaG[i] = g / s;
  }
  // Reference: cells of rows 2–3 (the eyes and upper cheeks), columns 2–5.
  let yRef = 0;
  let rRef = 0;
  let gRef = 0;
  let n = 0;
  for (let y = 28; y < 56; y++) {
    for (let x = 28; x < 84; x++) {
      const i = y * 112 + x;
      yRef += luma[i];
      rRef += chromaR[i];
      gRef += chromaG[i];
      n++;
    }
  }
  yRef /= n;
  rRef /= n;
  gRef /= n;
  const inv = 1 / (yRef + 8);
  let k = 0;
  for (let cy = 0; cy < GRID; cy++) {
    for (let cx = 0; cx < GRID; cx++) {
      let sy = 0;
      let syy = 0;
      let sr = 0;
      let sg = 0;
      let gx = 0;
      let gy = 0;
      for (let y = cy * CELL; y < cy * CELL + CELL; y++) {
        for (let x = cx * CELL; x < cx * CELL + CELL; x++) {
          const i = y * 112 + x;
          const v = luma[i];
          sy += v;
          syy += v * v;
          sr += chromaR[i];
          sg += chromaG[i];
          if (x < 111) gx += Math.abs(luma[i + 1] - v);
          if (y < 111) gy += Math.abs(luma[i + 112] - v);
        }
      }
      const m = CELL * CELL;
      const mean = sy / m;
      out[k++] = mean / 255;
      out[k++] = mean * inv;
      out[k++] = (sr / m - rRef) * 10;
      out[k++] = (sg / m - gRef) * 10;
      out[k++] = Math.sqrt(Math.max(0, syy / m - mean * mean)) * inv;
      out[k++] = (gx / m) * inv;
      out[k++] = (gy / m) * inv;
    }
  }
  return out;
}
