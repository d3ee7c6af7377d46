import sharp from "sharp";
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

/** Resizes packed RGB with libvips (fast, area-averaging when shrinking), returning packed RGB. */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: "fill", kernel: "linear" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}
