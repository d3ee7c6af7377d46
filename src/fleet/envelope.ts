import { createHash, type KeyObject, sign, verify } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";

/**
 * The signed envelope that carries a gallery to every door of a fleet, as one retained MQTT message:
 *
 *   {"format":"facegate-fleet-gallery/1","version":1767225600000,"created":"2026-01-01T00:00:00.000Z",
 *    "people":12,"sha256":"<hex of the gallery bytes>","signature":"<base64>","gallery":"<base64 of gzip>"}
 *
 * `gallery` is base64(gzip(gallery file bytes)) — a gallery file exactly as src/recognition/gallery-file.ts
 * writes and reads it; `sha256` is the hex sha256 of those (uncompressed) bytes.
 *
 * **Signed bytes.** `signature` is the base64 Ed25519 signature (RFC 8032, pure Ed25519) of the UTF-8 bytes of
 * the envelope without `signature`, keys in code-point order, no whitespace:
 *
 *   {"created":"…","format":"…","gallery":"…","people":N,"sha256":"…","version":N}
 *
 * Every string is restricted to printable ASCII without `"` or `\` (checked on both sides), and both numbers to
 * non-negative integers ≤ 2^53−1 written in decimal, so these bytes are the same in every language: no escaping
 * or number formatting question can arise. A verifier rebuilds them from the parsed fields, so whitespace or key
 * order in the message itself does not matter; a change to any value does.
 */
export const FLEET_FORMAT = "facegate-fleet-gallery/1";

/** Brokers and doors must accept this; `facegate fleet publish` refuses to build a bigger envelope. */
export const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024;

/**
 * The gallery inside may not inflate beyond this: a 16 MB envelope of gzip could otherwise expand ~1000× (a zip
 * bomb). A 1,000-person gallery with 10 photos each is ≈ 14 MB (i8 vectors) or ≈ 55 MB (f32).
 */
const MAX_GALLERY_BYTES = 64 * 1024 * 1024;

export interface Envelope {
  format: string;
  /** Only grows: a door applies a version only when it is newer than the one it runs. */
  version: number;
  created: string;
  people: number;
  sha256: string;
  signature: string;
  gallery: string;
}

export type UnsignedEnvelope = Omit<Envelope, "signature">;

/** Why a door refused an envelope; the code is for logs and tests, the message for people. */
export type RefusalCode =
  | "oversize"
  | "malformed"
  | "format"
  | "signature"
  | "replay"
  | "conflict"
  | "damaged"
  | "embedder"
  | "gallery";

export class EnvelopeRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = "EnvelopeRefused";
  }
}

const ascii = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
/** A plain character class: a grouped pattern would overflow V8's regexp stack on a 16 MB string. */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const base64 = (what: string) =>
  z
    .string()
    .refine((v) => v.length % 4 === 0 && BASE64_CHARS.test(v), { error: `expected ${what} in base64` });
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const envelopeSchema = z.strictObject({
  format: z.string().max(64).regex(ascii),
  version: count.min(1),
  created: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/),
  people: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  signature: base64("an Ed25519 signature").refine((v) => v.length === 88),
  gallery: base64("gzip data").refine((v) => v.length >= 4),
});

/** The exact bytes that are signed (see the comment at the top). */
export function signedBytes(e: UnsignedEnvelope): Buffer {
  for (const v of [e.format, e.created, e.sha256, e.gallery]) {
    if (!ascii.test(v))
      throw new Error("envelope strings must be printable ASCII without quotes or backslashes");
  }
  for (const n of [e.version, e.people]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error("envelope numbers must be non-negative integers");
  }
  const q = (v: string) => `"${v}"`;
  return Buffer.from(
    `{"created":${q(e.created)},"format":${q(e.format)},"gallery":${q(e.gallery)},"people":${e.people},` +
      `"sha256":${q(e.sha256)},"version":${e.version}}`,
    "utf8",
  );
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export interface EnvelopeContent {
  /** The gallery file's bytes. */
  gallery: Uint8Array;
  people: number;
  version: number;
  created: Date;
}

/** Builds and signs an envelope; the message text has the big `gallery` last, so a reader sees the header first. */
export function sealEnvelope(
  content: EnvelopeContent,
  privateKey: KeyObject,
): { envelope: Envelope; text: string } {
  const unsigned: UnsignedEnvelope = {
    format: FLEET_FORMAT,
    version: content.version,
    created: content.created.toISOString(),
    people: content.people,
    sha256: sha256Hex(content.gallery),
    gallery: gzipSync(content.gallery, { level: 9 }).toString("base64"),
  };
  const signature = sign(null, signedBytes(unsigned), privateKey).toString("base64");
  const { gallery, ...header } = unsigned;
  const envelope: Envelope = { ...unsigned, signature };
  return { envelope, text: JSON.stringify({ ...header, signature, gallery }) };
}

/**
 * Parses a message and checks its shape, format and signature. Cheap checks come first (size, JSON, fields),
 * then the signature, so nothing from an unsigned message is decompressed.
 */
export function openEnvelope(payload: Buffer, publicKey: KeyObject): Envelope {
  if (payload.length > MAX_ENVELOPE_BYTES)
    throw new EnvelopeRefused(
      "oversize",
      `envelope of ${payload.length} bytes is over the ${MAX_ENVELOPE_BYTES}-byte limit`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new EnvelopeRefused("malformed", "envelope is not valid JSON");
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === "string" && format !== FLEET_FORMAT && format.startsWith("facegate-fleet-gallery/"))
    throw new EnvelopeRefused("format", `envelope format "${format}"; this facegate reads "${FLEET_FORMAT}"`);
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(envelope)"))];
    throw new EnvelopeRefused(
      "malformed",
      `envelope has missing, unknown or invalid fields: ${fields.join(", ")}`,
    );
  }
  const envelope = parsed.data;
  if (envelope.format !== FLEET_FORMAT)
    throw new EnvelopeRefused("format", `not a facegate fleet envelope (format "${envelope.format}")`);
  const signature = Buffer.from(envelope.signature, "base64");
  if (!verify(null, signedBytes(envelope), publicKey, signature))
    throw new EnvelopeRefused(
      "signature",
      "signature does not verify with this door's fleet.pub: altered after signing, or signed with another key",
    );
  return envelope;
}

/** The gallery bytes of a verified envelope: inflated within MAX_GALLERY_BYTES and checked against `sha256`. */
export function unpackGallery(envelope: Envelope, maxBytes = MAX_GALLERY_BYTES): Buffer {
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from(envelope.gallery, "base64"), { maxOutputLength: maxBytes });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new EnvelopeRefused(
      "damaged",
      tooBig ? `gallery inflates beyond ${maxBytes} bytes (refused)` : "gallery is not valid gzip data",
    );
  }
  if (sha256Hex(bytes) !== envelope.sha256)
    throw new EnvelopeRefused("damaged", "gallery bytes do not match the envelope's sha256");
  return bytes;
}
