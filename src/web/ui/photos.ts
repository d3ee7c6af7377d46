/** Photos bigger than this (long side) are scaled down before upload: a face needs far fewer pixels. */
const MAX_SIDE = 1600;
/** Files up to this size that the server reads as they are (JPEG, PNG) are sent untouched. */
const SEND_AS_IS = 2 * 1024 * 1024;

/**
 * A phone photo (12+ megapixels, maybe HEIC on an iPhone's library) made into a JPEG the server takes: scaled
 * to at most 1600 px, upright (the browser applies the EXIF orientation when decoding). Small JPEG/PNG files
 * are sent untouched; when the browser cannot decode the file it is sent as it is and the server says why
 * it refuses it.
 */
export async function preparePhoto(file: File): Promise<Blob> {
  const plain = file.type === "image/jpeg" || file.type === "image/png";
  if (plain && file.size <= SEND_AS_IS) return file;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) return file;
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  return blob ?? file;
}
