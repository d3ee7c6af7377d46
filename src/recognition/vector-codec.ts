/** Embeddings on disk (gallery, captures): base64 of little-endian float32 values. */

export function encodeVector(v: Float32Array): string {
  const out = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i], i * 4);
  return out.toString("base64");
}

/** Decodes and checks the length; `where` names the vector in the error. */
export function decodeVector(b64: string, dim: number, where: string): Float32Array {
  const buf = Buffer.from(b64, "base64");
  if (buf.length !== dim * 4)
    throw new Error(`${where}: vector has ${buf.length / 4} values, expected ${dim}`);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
