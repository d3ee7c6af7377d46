import { endianness } from "node:os";
import type { VectorEncoding } from "./gallery.ts";

/**
 * Embeddings on disk (gallery, captures), base64: "f32" little-endian float32 values (exact; what enrollment
 * writes), or "i8" a float32 scale followed by one signed byte per value (a quarter of the size; fleet
 * galleries too large for one MQTT message, see src/fleet/).
 */

/** Typed-array views read the host's byte order: only used where that is little-endian (x64, arm64). */
const LITTLE_ENDIAN = endianness() === "LE";

export function encodeVector(v: Float32Array, encoding: VectorEncoding = "f32"): string {
  if (encoding === "i8") return encodeI8(v);
  if (LITTLE_ENDIAN) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  const out = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i], i * 4);
  return out.toString("base64");
}

/**
 * One scale per vector (its largest magnitude ÷ 127), one signed byte per value. Embeddings are L2-normalised
 * and spread over all 512 values, so the rounding error (≤ scale/2 per value) moves a cosine similarity by
 * about 1e-4; the matcher then averages a person's templates, which shrinks it further.
 */
function encodeI8(v: Float32Array): string {
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  const buf = Buffer.alloc(4 + v.length);
  buf.writeFloatLE(max / 127, 0);
  const scale = buf.readFloatLE(0); // quantise with the scale exactly as it is stored
  const q = new Int8Array(buf.buffer, buf.byteOffset + 4, v.length);
  for (let i = 0; i < v.length; i++)
    q[i] = scale === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(v[i] / scale)));
  return buf.toString("base64");
}

/** Decodes and checks the length; `where` names the vector in the error. */
export function decodeVector(
  b64: string,
  dim: number,
  where: string,
  encoding: VectorEncoding = "f32",
): Float32Array {
  const buf = Buffer.from(b64, "base64");
  if (encoding === "i8") {
    if (buf.length !== 4 + dim)
      throw new Error(`${where}: vector has ${buf.length - 4} values, expected ${dim}`);
    const scale = buf.readFloatLE(0);
    const q = new Int8Array(buf.buffer, buf.byteOffset + 4, dim);
    const out = new Float32Array(dim);
    for (let i = 0; i < dim; i++) out[i] = q[i] * scale;
    return out;
  }
  if (buf.length !== dim * 4)
    throw new Error(`${where}: vector has ${buf.length / 4} values, expected ${dim}`);
  // A copy into a fresh (aligned) buffer: Buffer.from may hand out a slice of its pool at any offset.
  if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(buf).buffer);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
