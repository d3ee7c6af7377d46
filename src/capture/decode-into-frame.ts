const MAX_INPUT_PIXELS = 100_000_000;

/**
 * Decodes an image (file path or bytes: JPEG, PNG, WebP, ...) with sharp, honouring EXIF orientation, letterboxed
 * onto black at exactly width×height, into `into` (width×height×3 bytes). Throws sharp's error for a bad image.
 */
export async function decodeIntoFrame(
  input: string | Buffer,
  width: number,
  height: number,
  into: Uint8Array,
): Promise<void> {
  // Loaded on first use: only image-folder and still cameras decode on the main thread (~9 MB of RSS).
  const { default: sharp } = await import("sharp");
  const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" })
    .rotate()
    .resize(width, height, { fit: "contain", background: { r: 0, g: 0, b: 0 } })
    .flatten({ background: "#000000" })
    .toColourspace("srgb")
    .removeAlpha()
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(
      `decoded to ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3`,
    );
  }
  into.set(data);
}

/** First line of an error's message, for status reasons. */
export function shortMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0].trim() || "unknown error";
}
