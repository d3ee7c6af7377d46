import type { Metadata } from "sharp";
import { ImageError } from "./errors.ts";
import type { RgbImage } from "./types.ts";

/** Images larger than this are refused before decoding, so a 20000×20000 file cannot exhaust memory. */
export const MAX_INPUT_PIXELS = 100_000_000;
/** Decoded images are shrunk so that their longer side is at most this; faces stay far above the embedder's 112 px. */
export const DEFAULT_MAX_SIDE = 1920;

export interface DecodedImage {
  image: RgbImage;
  /** Size of the original image after EXIF rotation: boxes are reported in these pixels. */
  originalWidth: number;
  originalHeight: number;
  /** originalWidth / image.width: multiply working coordinates by this to get original pixels. */
  scale: number;
}

/**
 * Decodes any image sharp understands (JPEG, PNG with alpha, greyscale, 16-bit, WebP, TIFF, ...) into 8-bit RGB,
 * honouring EXIF orientation and flattening alpha onto black. Throws ImageError with a readable reason.
 */
export async function decodeImage(
  input: Buffer | Uint8Array,
  maxSide = DEFAULT_MAX_SIDE,
): Promise<DecodedImage> {
  if (input.length === 0) throw new ImageError("empty file (0 bytes)");
  // Loaded on first use: the daemon's frames come decoded from ffmpeg, so its vision worker never needs libvips.
  const sharp = (await import("sharp")).default;
  let meta: Metadata;
  try {
    // Header only: safe without a pixel limit, and lets the size check below name the dimensions.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageError(`not a readable image (${cleanSharpMessage(err)})`);
  }
  if (!meta.width || !meta.height) throw new ImageError("image has no size");
  if (meta.width * meta.height > MAX_INPUT_PIXELS) {
    throw new ImageError(
      `image is ${meta.width}×${meta.height}, over the limit of ${MAX_INPUT_PIXELS / 1e6} megapixels; resize it first`,
    );
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const originalWidth = rotated ? meta.height : meta.width;
  const originalHeight = rotated ? meta.width : meta.height;
  try {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" })
      .rotate()
      .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#000000" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageError(`unexpected ${info.channels} channels after decoding`);
    return {
      image: {
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
        width: info.width,
        height: info.height,
      },
      originalWidth,
      originalHeight,
      scale: originalWidth / info.width,
    };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError(`cannot decode image (${cleanSharpMessage(err)})`);
  }
}

function cleanSharpMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (
    msg
      .split("\n")[0]
      .replace(/^Input (buffer|file) /, "")
      .trim() || "unknown error"
  );
}
