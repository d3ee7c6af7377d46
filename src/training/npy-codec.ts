/**
 * `.npy` encoding for the dtypes the training dataset uses: uint8 images, int32/int64 labels, float32 embeddings,
 * and fixed-width unicode strings (`<U n`, UTF-32 LE), so that `np.load` reads names without pickle.
 */

export type NpyValue =
  | { dtype: "uint8"; shape: number[]; data: Uint8Array }
  | { dtype: "int32"; shape: number[]; data: Int32Array }
  | { dtype: "float32"; shape: number[]; data: Float32Array }
  | { dtype: "unicode"; shape: number[]; data: string[] };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

function header(descr: string, shape: number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Total header (magic + version + length + text + newline) padded to a multiple of 64 bytes.
  const pad = 64 - ((10 + text.length + 1) % 64);
  text = `${text}${" ".repeat(pad % 64)}\n`;
  const out = Buffer.alloc(10 + text.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, "latin1");
  return out;
}

export function encodeNpy(v: NpyValue): Buffer {
  switch (v.dtype) {
    case "uint8":
      return Buffer.concat([
        header("|u1", v.shape),
        Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength),
      ]);
    case "int32":
    case "float32": {
      const body = Buffer.alloc(v.data.length * 4);
      v.data.forEach((x, i) => {
        if (v.dtype === "int32") body.writeInt32LE(x, i * 4);
        else body.writeFloatLE(x, i * 4);
      });
      return Buffer.concat([header(v.dtype === "int32" ? "<i4" : "<f4", v.shape), body]);
    }
    case "unicode": {
      const width = Math.max(1, ...v.data.map((s) => [...s].length));
      const body = Buffer.alloc(v.data.length * width * 4);
      v.data.forEach((s, i) => {
        [...s].forEach((ch, j) => {
          body.writeUInt32LE(ch.codePointAt(0) ?? 0, (i * width + j) * 4);
        });
      });
      return Buffer.concat([header(`<U${width}`, v.shape), body]);
    }
  }
}

/** Decodes `.npy` bytes of the dtypes above (int64 labels, as numpy writes by default, become int32). */
export function decodeNpy(bytes: Uint8Array, label: string): NpyValue {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${label}: not a .npy array`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const text = buf.toString("latin1", start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${label}: unreadable .npy header`);
  if (/'fortran_order':\s*True/.test(text))
    throw new Error(`${label}: Fortran-order arrays are not supported`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + hlen);
  if (descr === "|u1") return { dtype: "uint8", shape, data: new Uint8Array(body.subarray(0, n)) };
  if (descr === "<i4" || descr === "<i8") {
    const size = descr === "<i4" ? 4 : 8;
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++)
      data[i] = size === 4 ? body.readInt32LE(i * 4) : Number(body.readBigInt64LE(i * 8));
    return { dtype: "int32", shape, data };
  }
  if (descr === "<f4") {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = body.readFloatLE(i * 4);
    return { dtype: "float32", shape, data };
  }
  const u = /^<U(\d+)$/.exec(descr);
  if (u) {
    const width = Number(u[1]);
    const data: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = "";
      for (let j = 0; j < width; j++) {
        const cp = body.readUInt32LE((i * width + j) * 4);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      data.push(s);
    }
    return { dtype: "unicode", shape, data };
  }
  throw new Error(`${label}: dtype ${descr} is not supported (uint8, int32/int64, float32, unicode)`);
}
