import type { RgbImage } from "./types.ts";

export interface Letterbox {
  scale: number;
  width: number;
  height: number;
  padX: number;
  padY: number;
}

/** Where an image lands when fitted, aspect kept, into a centred square of side `size`. */
export function letterboxParams(width: number, height: number, size: number): Letterbox {
  const scale = size / Math.max(width, height);
  const w = Math.max(1, Math.min(size, Math.round(width * scale)));
  const h = Math.max(1, Math.min(size, Math.round(height * scale)));
  return { scale, width: w, height: h, padX: Math.floor((size - w) / 2), padY: Math.floor((size - h) / 2) };
}

/**
 * Resizes packed RGB for the models' inputs (BlazeFace's 256 px picture, RFB-320's 320×240, the 68-point model's
 * 64×64 crop). Shrinking — every camera frame — is done here in plain TypeScript: the mean of k×k pixel blocks
 * while the picture is at least twice too large in a direction (so nothing aliases: 1920 px photos reach BlazeFace
 * smooth, not speckled), then bilinear sampling with pixel centres aligned, as OpenCV's INTER_LINEAR — the resizing
 * these models' reference code uses (MediaPipe, Ultra-Light, the faceplugin SDK). Enlarging (small photos, the
 * second look's tiles) stays with libvips (sharp, loaded on first use): the detectors' scores on small photos,
 * which their thresholds were chosen on, stay as they were.
 *
 * Why not sharp for everything, as before: each sharp call is a trip to libuv's thread pool and back (~0.5–1 ms
 * of fixed cost, more on a busy machine, where every wake-up waits for a core) and leaves libvips' buffers in the
 * malloc arena of whichever pool thread ran it; three to four calls per frame cost 4–8 ms of wall time (measured
 * with `npm run bench`). Shrinking here is one synchronous pass on the thread that needs the result. On lfw-dev
 * (`facegate eval`) unmasked identification is unchanged (0.985) and masked went from 0.802 to 0.812.
 */
export async function resizeRgb(
  image: RgbImage,
  width: number,
  height: number,
  enlargeWith: "lanczos3" | "linear" = "lanczos3",
): Promise<RgbImage> {
  const { width: W, height: H } = image;
  if (W === width && H === height) return image;
  return width > W || height > H
    ? enlarge(image, width, height, enlargeWith)
    : bilinearRgb(image, width, height);
}

/**
 * Block means while at least 2× too large, then bilinear, in either direction (resizeRgb's shrinking half).
 * Synchronous. The 68-point model's crop uses it to enlarge too: its reference code (the faceplugin SDK) resizes
 * that crop bilinearly, and the daemon then never needs libvips for a camera frame.
 */
export function bilinearRgb(image: RgbImage, width: number, height: number): RgbImage {
  const { width: W, height: H } = image;
  if (W === width && H === height) return image;
  const kx = W >= 2 * width ? Math.floor(W / width) : 1;
  const ky = H >= 2 * height ? Math.floor(H / height) : 1;
  const src = kx > 1 || ky > 1 ? keptBlockMeans(image, kx, ky) : image;
  if (src.width === width && src.height === height) return src;
  // Source coordinate of each output column/row in the (block-averaged) picture, and its bilinear weight.
  const cols = samplePositions(width, W / width / kx, src.width);
  const rows = samplePositions(height, H / height / ky, src.height, src.width * 3);
  return bilinear(src, width, height, cols, rows);
}

/** Block means of the frames handed out by shareShrinks, by block size, while those views live. */
const sharedShrinks = new WeakMap<RgbImage, Map<number, RgbImage>>();

/**
 * A view of `image` whose block means are computed once, however many inputs are made from it: the cascade's two
 * detectors both start from the frame's 2×2 means (BlazeFace 640×480 → 320×240 → 256×192, RFB-320 → 320×240),
 * ~0.6 ms a frame each. The view is a new object per call and its means go with it, so a buffer refilled later
 * (a frame pool) is never taken for the one measured here. The caller must not change the pixels while using it.
 */
export function shareShrinks(image: RgbImage): RgbImage {
  const view: RgbImage = { data: image.data, width: image.width, height: image.height };
  sharedShrinks.set(view, new Map());
  return view;
}

function keptBlockMeans(image: RgbImage, kx: number, ky: number): RgbImage {
  const kept = sharedShrinks.get(image);
  if (!kept) return blockMeans(image, kx, ky);
  const key = kx * 65536 + ky;
  let means = kept.get(key);
  if (!means) {
    means = blockMeans(image, kx, ky);
    kept.set(key, means);
  }
  return means;
}

/** libvips, with the kernel each model's input was made with before shrinking moved here. */
async function enlarge(
  image: RgbImage,
  width: number,
  height: number,
  kernel: "lanczos3" | "linear",
): Promise<RgbImage> {
  const sharp = (await import("sharp")).default;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: "fill", kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

interface Positions {
  /** Neighbouring source indices (already ×3 for columns, × row stride for rows). */
  first: Int32Array;
  second: Int32Array;
  /** Weight of the second. */
  weight: Float64Array;
}

function bilinear(src: RgbImage, width: number, height: number, cols: Positions, rows: Positions): RgbImage {
  const pixels = src.data;
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const r0 = rows.first[y];
    const r1 = rows.second[y];
    const fy = rows.weight[y];
    for (let x = 0; x < width; x++, o += 3) {
      const a = r0 + cols.first[x];
      const b = r0 + cols.second[x];
      const c = r1 + cols.first[x];
      const d = r1 + cols.second[x];
      const fx = cols.weight[x];
      // Unrolled over the three channels: this loop runs for every pixel of every model input.
      let top = pixels[a] + (pixels[b] - pixels[a]) * fx;
      let bottom = pixels[c] + (pixels[d] - pixels[c]) * fx;
      out[o] = top + (bottom - top) * fy + 0.5; // a Uint8Array truncates: this rounds the non-negative value
      top = pixels[a + 1] + (pixels[b + 1] - pixels[a + 1]) * fx;
      bottom = pixels[c + 1] + (pixels[d + 1] - pixels[c + 1]) * fx;
      out[o + 1] = top + (bottom - top) * fy + 0.5;
      top = pixels[a + 2] + (pixels[b + 2] - pixels[a + 2]) * fx;
      bottom = pixels[c + 2] + (pixels[d + 2] - pixels[c + 2]) * fx;
      out[o + 2] = top + (bottom - top) * fy + 0.5;
    }
  }
  return { data: out, width, height };
}

/** Source positions for `count` outputs `step` source pixels apart (edges clamped), as offsets of `unit` bytes. */
function samplePositions(count: number, step: number, size: number, unit = 3): Positions {
  const first = new Int32Array(count);
  const second = new Int32Array(count);
  const weight = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const s = Math.min(size - 1, Math.max(0, (i + 0.5) * step - 0.5));
    const i0 = Math.floor(s);
    first[i] = i0 * unit;
    second[i] = Math.min(size - 1, i0 + 1) * unit;
    weight[i] = s - i0;
  }
  return { first, second, weight };
}

/** Rounded mean of each kx×ky block (a last partial block column/row, if any, is left out). */
function blockMeans(image: RgbImage, kx: number, ky: number): RgbImage {
  if (kx === 2 && ky === 2) return halve(image);
  const { data, width: W } = image;
  const sw = Math.floor(W / kx);
  const sh = Math.floor(image.height / ky);
  const out = new Uint8Array(sw * sh * 3);
  const n = kx * ky;
  const half = n >> 1;
  const rowBytes = W * 3;
  const step = kx * 3;
  let o = 0;
  for (let y = 0; y < sh; y++) {
    const top = y * ky * rowBytes;
    for (let x = 0; x < sw; x++, o += 3) {
      let r = half;
      let g = half;
      let b = half;
      for (let dy = 0, row = top + x * step; dy < ky; dy++, row += rowBytes) {
        for (let p = row, end = row + step; p < end; p += 3) {
          r += data[p];
          g += data[p + 1];
          b += data[p + 2];
        }
      }
      out[o] = (r / n) | 0;
      out[o + 1] = (g / n) | 0;
      out[o + 2] = (b / n) | 0;
    }
  }
  return { data: out, width: sw, height: sh };
}

/** blockMeans for 2×2 blocks (640×480 → 320×240, the usual camera frame), unrolled. */
function halve(image: RgbImage): RgbImage {
  const { data, width: W } = image;
  const sw = W >> 1;
  const sh = image.height >> 1;
  const out = new Uint8Array(sw * sh * 3);
  const rowBytes = W * 3;
  let o = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0, p = 2 * y * rowBytes; x < sw; x++, p += 6, o += 3) {
      const q = p + rowBytes;
      out[o] = (data[p] + data[p + 3] + data[q] + data[q + 3] + 2) >> 2;
      out[o + 1] = (data[p + 1] + data[p + 4] + data[q + 1] + data[q + 4] + 2) >> 2;
      out[o + 2] = (data[p + 2] + data[p + 5] + data[q + 2] + data[q + 5] + 2) >> 2;
    }
  }
  return { data: out, width: sw, height: sh };
}
