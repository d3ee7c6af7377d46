import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NpyFormatError } from "../src/training/keras/errors.ts";
import { parseNpy } from "../src/training/keras/npy.ts";

/** Builds a version-1.0 .npy file the way numpy does (header padded to a multiple of 64). */
function npy(descr: string, shape: number[], data: Uint8Array, fortran = false): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${dims}), }`;
  header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

describe("parseNpy", () => {
  it("reads float32 C-order arrays", () => {
    const values = Float32Array.of(1.5, -2, 3.25, 0, 1e-7, 42);
    const parsed = parseNpy(npy("<f4", [2, 3], new Uint8Array(values.buffer)));
    assert.equal(parsed.dtype, "float32");
    assert.deepEqual(parsed.shape, [2, 3]);
    assert.deepEqual(Array.from(parsed.data), Array.from(values));
  });

  it("reads uint8 arrays and 1-D shapes", () => {
    const parsed = parseNpy(npy("|u1", [4], Uint8Array.of(0, 7, 128, 255)));
    assert.equal(parsed.dtype, "uint8");
    assert.deepEqual(parsed.shape, [4]);
    assert.deepEqual(Array.from(parsed.data), [0, 7, 128, 255]);
  });

  it("rejects Fortran order, other dtypes, truncation and non-npy bytes", () => {
    assert.throws(() => parseNpy(npy("<f4", [1], new Uint8Array(4), true)), /Fortran order/);
    assert.throws(() => parseNpy(npy("<f8", [1], new Uint8Array(8))), /dtype <f8 is not supported/);
    assert.throws(() => parseNpy(npy("<f4", [2, 2], new Uint8Array(8))), /truncated/);
    assert.throws(() => parseNpy(new TextEncoder().encode("hello world")), NpyFormatError);
  });
});
