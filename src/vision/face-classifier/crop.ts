import type { Box, RgbImage } from "../types.ts";

export type Preprocess = "mobilenet" | "scale01" | "raw";

/**
 * The square region a whole-face classifier sees: the detector's box, centred, widened by `scale` on its longer
 * side. Detector boxes hug the face; models trained on LFW-style crops (the seed's: (50,50)-(200,200) of a
 * 250×250 photo) also see forehead, chin and some hair, roughly 1.4× a detector box.
 */
export function classifierRegion(box: Box, scale: number): Box {
  const side = Math.max(box[2], box[3]) * scale;
  const cx = box[0] + box[2] / 2;
  const cy = box[1] + box[3] / 2;
  return [cx - side / 2, cy - side / 2, side, side];
}

/**
 * Bilinear resize of `region` of `image` to size×size, preprocessed into `out` at `offset` (NHWC, RGB) — the
 * model's input. Pixels outside the frame repeat the edge, so a face at the border is not cut off by black.
 */
export function cropToTensor(
  image: RgbImage,
  region: Box,
  size: number,
  preprocess: Preprocess,
  out: Float32Array,
  offset = 0,
): void {
  const { data, width, height } = image;
  const [rx, ry, rw, rh] = region;
  const sx = rw / size;
  const sy = rh / size;
  const mul = preprocess === "mobilenet" ? 1 / 127.5 : preprocess === "scale01" ? 1 / 255 : 1;
  const add = preprocess === "mobilenet" ? -1 : 0;
  let o = offset;
  for (let y = 0; y < size; y++) {
    // Pixel centres map to pixel centres, as in tf.image.resizeBilinear(halfPixelCenters) and PIL.
    const fy = Math.min(height - 1, Math.max(0, ry + (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(width - 1, Math.max(0, rx + (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch] + (data[b + ch] - data[a + ch]) * wx;
        const bottom = data[c + ch] + (data[d + ch] - data[c + ch]) * wx;
        out[o++] = (top + (bottom - top) * wy) * mul + add;
      }
    }
  }
}
