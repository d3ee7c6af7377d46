import { readFile } from "node:fs/promises";
import { NpyFormatError } from "./errors.ts";

/** A numpy array read from a `.npy` file: flat data in C (row-major) order plus its shape. */
export interface NpyArray {
  dtype: "float32" | "uint8";
  shape: number[];
  data: Float32Array | Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Reads a `.npy` file (format 1.0–3.0) holding little-endian float32 or uint8 data in C order. */
export async function readNpy(path: string): Promise<NpyArray> {
  const bytes = await readFile(path);
  return parseNpy(bytes, path);
}

/** Parses `.npy` bytes; `label` only names the source in error messages. */
export function parseNpy(bytes: Uint8Array, label = "<buffer>"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError(label, "missing \\x93NUMPY magic");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4 bytes.
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder("latin1").decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError(label, `unreadable header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === "True") throw new NpyFormatError(label, "Fortran order is not supported");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (descr === "<f4") {
    if (bytes.length < dataStart + count * 4) throw new NpyFormatError(label, "file is truncated");
    // Copy so the result is aligned and does not pin the whole file buffer.
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + i * 4, true);
    return { dtype: "float32", shape, data };
  }
  if (descr === "|u1" || descr === "<u1") {
    if (bytes.length < dataStart + count) throw new NpyFormatError(label, "file is truncated");
    return { dtype: "uint8", shape, data: Uint8Array.from(bytes.subarray(dataStart, dataStart + count)) };
  }
  throw new NpyFormatError(label, `dtype ${descr} is not supported (only float32 '<f4' and uint8 '|u1')`);
}
