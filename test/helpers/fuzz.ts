/**
 * Deterministic generator of odd, damaged and hostile image files for the fuzz tests. Everything derives from
 * one seed, so a failing case is reproduced by its index. Inputs are kept tiny (a few dozen pixels) so that
 * ten thousand of them decode in about a minute. Not a test file itself (no `.test.ts`).
 */
import sharp from "sharp";
import { mulberry32 as seededRandom } from "../../src/vision/mask/rng.ts";

/** The project's seeded generator: picks mutations reproducibly. */
export { seededRandom };

export interface FuzzCase {
  /** What was done to which base image, e.g. "png-rgba/bitflip". */
  label: string;
  bytes: Buffer;
  /** File extension the CLI variant writes the case under; deliberately wrong for some cases. */
  ext: string;
}

interface BaseImage {
  name: string;
  ext: string;
  bytes: Buffer;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG whose IHDR claims `width`×`height` with a correct CRC, so only the size check can refuse it. */
export function pngWithDeclaredSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  // Signature (8) + length (4) + "IHDR" (4): width and height follow, then 5 bytes, then the CRC.
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** Rewrites the size in a JPEG's first SOFn marker (65535×65535 at most: the format's own limit). */
function jpegWithDeclaredSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length; ) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1];
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + len;
  }
  return out;
}

function gifWithDeclaredSize(gif: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(gif);
  out.writeUInt16LE(width, 6);
  out.writeUInt16LE(height, 8);
  return out;
}

/** Rewrites a WebP's VP8 (lossy, 14-bit fields) or VP8L (lossless) frame size. */
function webpWithDeclaredSize(webp: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(webp);
  const chunk = out.subarray(12, 16).toString("latin1");
  const w = Math.min(width, 16383);
  const h = Math.min(height, 16383);
  if (chunk === "VP8 " && out.length > 30) {
    out.writeUInt16LE(w, 26);
    out.writeUInt16LE(h, 28);
  } else if (chunk === "VP8L" && out.length > 25) {
    const bits = (Math.max(w, 1) - 1) | ((Math.max(h, 1) - 1) << 14);
    out.writeUInt32LE((out.readUInt32LE(21) & 0xf0000000) | (bits & 0x0fffffff), 21);
  }
  return out;
}

/** Some pixels that are not flat, so encoders produce realistic (compressed) streams. */
function pattern(width: number, height: number, channels: 3 | 4, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + Math.floor(rnd() * 64)) & 0xff;
  return data;
}

/** The valid images every mutation starts from: each format and colour model the decoder may meet. */
export async function baseImages(): Promise<BaseImage[]> {
  const rgb = (w: number, h: number, seed = 1) =>
    sharp(pattern(w, h, 3, seed), { raw: { width: w, height: h, channels: 3 } });
  const rgba = (w: number, h: number) =>
    sharp(pattern(w, h, 4, 2), { raw: { width: w, height: h, channels: 4 } });
  const list: [string, string, Promise<Buffer>][] = [
    ["jpeg-rgb", "jpg", rgb(32, 24).jpeg({ quality: 80 }).toBuffer()],
    ["jpeg-progressive", "jpg", rgb(24, 32).jpeg({ progressive: true }).toBuffer()],
    ["jpeg-grey", "jpg", rgb(20, 20).greyscale().jpeg().toBuffer()],
    ["jpeg-cmyk", "jpg", rgb(24, 24).toColourspace("cmyk").jpeg().toBuffer()],
    ["jpeg-exif-rotated", "jpg", rgb(30, 16).withMetadata({ orientation: 6 }).jpeg().toBuffer()],
    ["png-rgb", "png", rgb(32, 32).png().toBuffer()],
    ["png-rgba", "png", rgba(24, 24).png().toBuffer()],
    ["png-16bit", "png", rgb(16, 16).toColourspace("rgb16").png().toBuffer()],
    ["png-grey16", "png", rgb(16, 16).toColourspace("grey16").png().toBuffer()],
    ["png-palette", "png", rgb(24, 24).png({ palette: true }).toBuffer()],
    ["png-1x1", "png", rgb(1, 1).png().toBuffer()],
    ["png-1xN", "png", rgb(1, 64).png().toBuffer()],
    ["jpeg-Nx1", "jpg", rgb(64, 1).jpeg().toBuffer()],
    ["webp-lossy", "webp", rgb(32, 24).webp({ quality: 70 }).toBuffer()],
    ["webp-lossless-alpha", "webp", rgba(20, 20).webp({ lossless: true }).toBuffer()],
    ["gif", "gif", rgb(24, 24).gif().toBuffer()],
    ["tiff", "tif", rgb(24, 24).tiff().toBuffer()],
    ["tiff-16bit", "tif", rgb(16, 16).toColourspace("rgb16").tiff().toBuffer()],
  ];
  const out: BaseImage[] = [];
  for (const [name, ext, bytes] of list) out.push({ name, ext, bytes: await bytes });
  return out;
}

type Mutation = (b: Buffer, rnd: () => number, bases: BaseImage[]) => Buffer;

const int = (rnd: () => number, n: number) => Math.floor(rnd() * n);

const MUTATIONS: Record<string, Mutation> = {
  intact: (b) => b,
  bitflip: (b, rnd) => {
    const out = Buffer.from(b);
    const flips = 8 + int(rnd, 32);
    for (let i = 0; i < flips; i++) out[int(rnd, out.length)] ^= 1 << int(rnd, 8);
    return out;
  },
  bytes: (b, rnd) => {
    const out = Buffer.from(b);
    for (let i = 0, n = 1 + int(rnd, 32); i < n; i++) out[int(rnd, out.length)] = int(rnd, 256);
    return out;
  },
  truncate: (b, rnd) => b.subarray(0, int(rnd, b.length)),
  header: (b, rnd) => {
    // Damage only the first bytes: magic numbers, chunk lengths, dimensions, marker segments.
    const out = Buffer.from(b);
    const span = Math.min(out.length, 20);
    for (let i = 0, n = 2 + int(rnd, 6); i < n; i++) out[int(rnd, span)] = int(rnd, 256);
    return out;
  },
  "huge-dims": (b, rnd) => {
    const w = [65535, 30000, 0, 12345][int(rnd, 4)];
    const h = [65535, 40000, 0, 54321][int(rnd, 4)];
    if (b[0] === 0x89 && b[1] === 0x50) return pngWithDeclaredSize(b, w, h);
    if (b[0] === 0xff && b[1] === 0xd8) return jpegWithDeclaredSize(b, w, h);
    if (b.subarray(0, 3).toString("latin1") === "GIF") return gifWithDeclaredSize(b, w, h);
    if (b.subarray(8, 12).toString("latin1") === "WEBP") return webpWithDeclaredSize(b, w, h);
    // TIFF: the first IFD entries hold the size; a bold overwrite of the header area does the job.
    const out = Buffer.from(b);
    for (let i = 8; i < Math.min(out.length, 40); i += 2) out.writeUInt16LE(w, i);
    return out;
  },
  "png-gigapixel": (_b, rnd, bases) => {
    const png = bases.find((x) => x.name === "png-rgb")?.bytes ?? Buffer.alloc(0);
    return pngWithDeclaredSize(png, 20000 + int(rnd, 45000), 20000 + int(rnd, 45000));
  },
  "append-garbage": (b, rnd) =>
    Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(rnd, 64) }, () => int(rnd, 256)))]),
  "duplicate-span": (b, rnd) => {
    const at = int(rnd, b.length);
    const len = 1 + int(rnd, Math.max(1, b.length - at));
    return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
  },
  "delete-span": (b, rnd) => {
    const at = int(rnd, b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 16))]);
  },
  splice: (b, rnd, bases) => {
    const other = bases[int(rnd, bases.length)].bytes;
    return Buffer.concat([b.subarray(0, int(rnd, b.length)), other.subarray(int(rnd, other.length))]);
  },
  empty: () => Buffer.alloc(0),
  random: (_b, rnd) => Buffer.from(Array.from({ length: int(rnd, 512) }, () => int(rnd, 256))),
  "magic-then-random": (b, rnd) =>
    Buffer.concat([
      b.subarray(0, 12),
      Buffer.from(Array.from({ length: int(rnd, 256) }, () => int(rnd, 256))),
    ]),
  text: (_b, rnd) => Buffer.from(["hello", "<svg", "%PDF-1.4\n", '{"a":1}', "\u0000\u0000"][int(rnd, 5)]),
};

/**
 * Relative weights: mostly real damage to real files, some pure junk, a few intact files as a control. Every file
 * that still decodes costs a full detector run (~100 ms of CPU with its test-time passes), damaged ones a few ms,
 * so the mix keeps the decodable share near one in twenty: 10,000 cases then fit in CI's time.
 */
const WEIGHTS: Record<keyof typeof MUTATIONS, number> = {
  intact: 0.3,
  bitflip: 8,
  bytes: 8,
  truncate: 26,
  header: 14,
  "huge-dims": 8,
  "png-gigapixel": 3,
  "append-garbage": 0.3,
  "duplicate-span": 2,
  "delete-span": 6,
  splice: 4,
  empty: 1,
  random: 6,
  "magic-then-random": 4,
  text: 2,
};

const WRONG_EXTENSIONS = ["jpg", "png", "webp", "gif", "tif", "txt", "bin", ""];

/** `count` cases from `seed`; the same arguments always give the same bytes. */
export function* fuzzCases(bases: BaseImage[], count: number, seed: number): Generator<FuzzCase> {
  const rnd = seededRandom(seed);
  const names = Object.keys(WEIGHTS);
  const total = names.reduce((s, n) => s + WEIGHTS[n], 0);
  for (let i = 0; i < count; i++) {
    let pick = rnd() * total;
    let name = names[0];
    for (const n of names) {
      pick -= WEIGHTS[n];
      if (pick < 0) {
        name = n;
        break;
      }
    }
    // CMYK JPEGs cost ~30× the others to decode (colour-profile set-up), so they come up less often.
    let base = bases[int(rnd, bases.length)];
    if (base.name === "jpeg-cmyk" && rnd() < 0.85) base = bases[int(rnd, bases.length - 1) + 1];
    const bytes = MUTATIONS[name](base.bytes, rnd, bases);
    // One case in five is written under a wrong extension: the decoder must go by content, not name.
    const ext = rnd() < 0.2 ? WRONG_EXTENSIONS[int(rnd, WRONG_EXTENSIONS.length)] : base.ext;
    yield { label: `${base.name}/${name}`, bytes, ext };
  }
}

/** Sorts an error message into a short kind for the report ("not a readable image", "over the limit", ...). */
export function errorKind(message: string): string {
  if (message.startsWith("empty file")) return "empty file";
  if (message.startsWith("not a readable image")) return "not a readable image";
  if (message.startsWith("cannot decode image")) return "cannot decode image";
  if (message.includes("megapixels")) return "over the pixel limit";
  if (message.startsWith("image has no size")) return "no size";
  if (message.startsWith("timeout")) return "timeout";
  return `other: ${message.slice(0, 60)}`;
}
