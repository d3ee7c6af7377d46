import type { RgbImage } from "./types.ts";

/**
 * Sharpness of an aligned face: variance of the 4-neighbour Laplacian over the central region of the grey crop
 * (eyes and nose, where focus shows and masks do not interfere). Below ~20 a 112 px face is visibly smeared.
 */
export function sharpness(aligned: RgbImage): number {
  const { data, width } = aligned;
  const x0 = Math.round(width * 0.2);
  const x1 = Math.round(width * 0.8);
  const y0 = Math.round(aligned.height * 0.25);
  const y1 = Math.round(aligned.height * 0.7);
  const grey = (x: number, y: number) => {
    const p = (y * width + x) * 3;
    return 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
  };
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const lap = grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1) - 4 * grey(x, y);
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Greys out rows from `fromRow` down (value 128 = zero after the embedder's normalisation). */
export function occludeLowerFace(aligned: RgbImage, fromRow: number): RgbImage {
  const data = Uint8Array.from(aligned.data);
  data.fill(128, fromRow * aligned.width * 3);
  return { data, width: aligned.width, height: aligned.height };
}
