/**
 * The protocol-buffer wire format, just enough to edit an ONNX model's graph in memory: a message is a list of
 * fields (number, wire type, raw value) read and written back in order, so fields this code does not know
 * (doc strings, metadata, value infos) survive untouched and an unedited model re-encodes byte for byte.
 * https://protobuf.dev/programming-guides/encoding/
 */

export type Field =
  /** varint: ints, enums, bools (int64 as bigint: ONNX dims and ids are int64). */
  | { field: number; wire: 0; value: bigint }
  /** 64-bit fixed (double, fixed64). */
  | { field: number; wire: 1; value: Uint8Array }
  /** length-delimited: strings, bytes, nested messages, packed repeated numbers. */
  | { field: number; wire: 2; value: Uint8Array }
  /** 32-bit fixed (float, fixed32). */
  | { field: number; wire: 5; value: Uint8Array };

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtobufError";
  }
}

/** Splits one message into its fields (nested messages stay bytes: decode them with another call). */
export function decodeMessage(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= bytes.length) throw new ProtobufError("message ends inside a number");
      const b = bytes[i++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufError("number longer than 64 bits");
    }
  };
  const take = (n: number): Uint8Array => {
    if (i + n > bytes.length) throw new ProtobufError("field runs past the end of the message");
    const v = bytes.subarray(i, i + n);
    i += n;
    return v;
  };
  while (i < bytes.length) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) fields.push({ field, wire, value: take(8) });
    else if (wire === 2) fields.push({ field, wire, value: take(Number(varint())) });
    else if (wire === 5) fields.push({ field, wire, value: take(4) });
    else throw new ProtobufError(`wire type ${wire} (groups) is not used by ONNX`);
  }
  return fields;
}

function varintBytes(v: bigint): number[] {
  let n = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) b |= 0x80;
    out.push(b);
  } while (n !== 0n);
  return out;
}

/** Writes fields back in the order given. */
export function encodeMessage(fields: readonly Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (p: Uint8Array) => {
    parts.push(p);
    size += p.length;
  };
  for (const f of fields) {
    push(Uint8Array.from(varintBytes(BigInt((f.field << 3) | f.wire))));
    if (f.wire === 0) push(Uint8Array.from(varintBytes(f.value)));
    else if (f.wire === 2) {
      push(Uint8Array.from(varintBytes(BigInt(f.value.length))));
      push(f.value);
    } else push(f.value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- field helpers ---------------------------------------------------------------------------------------

export const bytesField = (field: number, value: Uint8Array | string): Field => ({
  field,
  wire: 2,
  value: typeof value === "string" ? new TextEncoder().encode(value) : value,
});

export const intField = (field: number, value: number | bigint): Field => ({
  field,
  wire: 0,
  value: BigInt(value),
});

/** The fields numbered `field`, in order. */
export const fieldsOf = (fields: readonly Field[], field: number): Field[] =>
  fields.filter((f) => f.field === field);

/** A length-delimited field read as UTF-8 text ("" when absent). */
export function stringOf(fields: readonly Field[], field: number): string {
  const f = fields.find((x) => x.field === field);
  return f?.wire === 2 ? new TextDecoder().decode(f.value) : "";
}

/** Every value of a repeated varint field, packed or not. */
export function varintsOf(fields: readonly Field[], field: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fieldsOf(fields, field)) {
    if (f.wire === 0) out.push(BigInt.asIntN(64, f.value));
    else if (f.wire === 2) {
      // Packed: the value is a run of varints, which is itself a message of varints without tags.
      let i = 0;
      while (i < f.value.length) {
        let v = 0n;
        let shift = 0n;
        for (;;) {
          if (i >= f.value.length) throw new ProtobufError("packed numbers end inside a number");
          const b = f.value[i++];
          v |= BigInt(b & 0x7f) << shift;
          if ((b & 0x80) === 0) break;
          shift += 7n;
        }
        out.push(BigInt.asIntN(64, v));
      }
    }
  }
  return out;
}

/** A length-delimited field decoded as a nested message (no fields for any other wire type). */
export function nestedMessage(f: Field): Field[] {
  return f.wire === 2 ? decodeMessage(f.value) : [];
}
