import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../system/write-atomic.ts";
import { GalleryError } from "./errors.ts";
import { Gallery, type Person, type TemplateSpace } from "./gallery.ts";

export const GALLERY_FORMAT = "facegate-gallery";
export const GALLERY_VERSION = 1;

interface StoredTemplate {
  space: TemplateSpace;
  source: string;
  masked: boolean;
  /** base64 of little-endian float32 values. */
  vector: string;
}

interface StoredGallery {
  format: typeof GALLERY_FORMAT;
  version: number;
  embedder: string;
  dim: number;
  saved_at: string;
  people: { name: string; enrolled_at: string; templates: StoredTemplate[] }[];
  /** sha256 of the JSON of every other field: catches a file edited or damaged without breaking its syntax. */
  checksum: string;
}

const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

function decode(b64: string, dim: number, where: string): Float32Array {
  const buf = Buffer.from(b64, "base64");
  if (buf.length !== dim * 4)
    throw new Error(`${where}: vector has ${buf.length / 4} values, expected ${dim}`);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

function checksumOf(body: Omit<StoredGallery, "checksum">): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("hex");
}

export function serializeGallery(g: Gallery): string {
  const body: Omit<StoredGallery, "checksum"> = {
    format: GALLERY_FORMAT,
    version: GALLERY_VERSION,
    embedder: g.embedderId,
    dim: g.dim,
    saved_at: new Date().toISOString(),
    people: g.names().map((name) => {
      const p = g.people.get(name) as Person;
      return {
        name,
        enrolled_at: p.enrolledAt,
        templates: p.templates.map((t) => ({
          space: t.space,
          source: t.source,
          masked: t.masked,
          vector: encode(t.vector),
        })),
      };
    }),
  };
  return `${JSON.stringify({ ...body, checksum: checksumOf(body) })}\n`;
}

export function parseGallery(text: string, path: string): Gallery {
  let raw: StoredGallery;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new GalleryError(path, "is not valid JSON (truncated or damaged?); restore it or enroll again");
  }
  if (!raw || typeof raw !== "object" || raw.format !== GALLERY_FORMAT) {
    throw new GalleryError(
      path,
      "is not a facegate gallery (no format marker); refusing to use or overwrite it",
    );
  }
  if (raw.version !== GALLERY_VERSION) {
    throw new GalleryError(
      path,
      `has format version ${raw.version}; this facegate reads version ${GALLERY_VERSION}`,
    );
  }
  const { checksum, ...body } = raw;
  if (checksum !== checksumOf(body)) {
    throw new GalleryError(path, "checksum does not match its content (damaged or edited by hand)");
  }
  const gallery = new Gallery(raw.embedder, raw.dim);
  try {
    for (const p of raw.people) {
      gallery.put({
        name: p.name,
        enrolledAt: p.enrolled_at,
        templates: p.templates.map((t, i) => ({
          space: t.space,
          source: t.source,
          masked: t.masked,
          vector: decode(t.vector, raw.dim, `${p.name} template ${i}`),
        })),
      });
    }
  } catch (err) {
    throw new GalleryError(path, (err as Error).message);
  }
  return gallery;
}

/** Reads a gallery; `null` when the file does not exist. */
export function readGalleryFile(path: string): Gallery | null {
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new GalleryError(
      path,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  if (text.length === 0) throw new GalleryError(path, "is empty (0 bytes); restore it or enroll again");
  return parseGallery(text, path);
}

/** Reads a gallery and refuses one made with a different embedder: its vectors would mean nothing. */
export function readGalleryFor(path: string, embedderId: string): Gallery | null {
  const g = readGalleryFile(path);
  if (g && g.embedderId !== embedderId) {
    throw new GalleryError(
      path,
      `was made with embedder "${g.embedderId}", but "${embedderId}" is configured; enroll again into a new gallery`,
    );
  }
  return g;
}

/** Writes atomically (0600), keeping the previous version beside it as `<path>.prev`. */
export function writeGalleryFile(path: string, gallery: Gallery): void {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    // Only a readable gallery is kept as the previous version; a damaged file is never silently replaced.
    const previous = readFileSync(path);
    parseGallery(previous.toString("utf8"), path);
    writeFileAtomic(`${path}.prev`, previous);
  }
  writeFileAtomic(path, serializeGallery(gallery));
}
