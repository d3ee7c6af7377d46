import type { RgbImage } from "../vision/types.ts";
import { type Rng, uniform } from "./rng.ts";

/** One augmentation of a photo; all drawn from the seeded rng so that training is reproducible. */
export interface Augmentation {
  brightness: number;
  saturation: number;
  flip: boolean;
  /** Degrees, counter-clockwise. */
  angle: number;
  scale: number;
  /** Draw a synthetic mask (when the mask room provides one). */
  mask: boolean;
}

/**
 * Ranges stay modest: the embedder sees aligned faces, so large rotations only test the detector, and strong
 * colour shifts make faces no camera will deliver.
 */
export function drawAugmentation(rng: Rng, mask = false): Augmentation {
  return {
    brightness: uniform(rng, 0.7, 1.3),
    saturation: uniform(rng, 0.6, 1.4),
    flip: rng() < 0.5,
    angle: uniform(rng, -12, 12),
    scale: uniform(rng, 0.9, 1.1),
    mask,
  };
}

/** Applies the geometric and colour parts of an augmentation to a decoded photo (before face detection). */
export function applyAugmentation(img: RgbImage, a: Augmentation): RgbImage {
  const { width: w, height: h, data: src } = img;
  const out = new Uint8Array(w * h * 3);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const rad = (a.angle * Math.PI) / 180;
  const cos = Math.cos(rad) / a.scale;
  const sin = Math.sin(rad) / a.scale;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse mapping: where in the source does this output pixel come from (rotate, scale about the centre).
      const ox = (a.flip ? w - 1 - x : x) - cx;
      const oy = y - cy;
      const sx = Math.min(w - 1, Math.max(0, cos * ox - sin * oy + cx));
      const sy = Math.min(h - 1, Math.max(0, sin * ox + cos * oy + cy));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * w + x) * 3;
      const rgb = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const top = src[(y0 * w + x0) * 3 + c] * (1 - fx) + src[(y0 * w + x1) * 3 + c] * fx;
        const bottom = src[(y1 * w + x0) * 3 + c] * (1 - fx) + src[(y1 * w + x1) * 3 + c] * fx;
        rgb[c] = top * (1 - fy) + bottom * fy;
      }
      const grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
      for (let c = 0; c < 3; c++) {
        const v = (grey + (rgb[c] - grey) * a.saturation) * a.brightness;
        out[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return { width: w, height: h, data: out };
}
