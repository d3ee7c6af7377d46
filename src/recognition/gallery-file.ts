import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { type LockOptions, withFileLock, withFileLockSync } from "../system/file-lock.ts";
import { writeFileAtomic } from "../system/write-atomic.ts";
import { GalleryError } from "./errors.ts";
import { Gallery, type Person, type Template, type TemplateSpace } from "./gallery.ts";
import { decodeVector, encodeVector } from "./vector-codec.ts";

export const GALLERY_FORMAT = "facegate-gallery";
/** 2 added `negatives` per person ("not this person"); version 1 files are read as having none. */
export const GALLERY_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

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
  people: { name: string; enrolled_at: string; templates: StoredTemplate[]; negatives?: StoredTemplate[] }[];
  /** sha256 of the JSON of every other field: catches a file edited or damaged without breaking its syntax. */
  checksum: string;
}

const storeTemplate = (t: Template): StoredTemplate => ({
  space: t.space,
  source: t.source,
  masked: t.masked,
  vector: encodeVector(t.vector),
});

function loadTemplates(stored: StoredTemplate[], dim: number, where: string): Template[] {
  return stored.map((t, i) => ({
    space: t.space,
    source: t.source,
    masked: t.masked,
    vector: decodeVector(t.vector, dim, `${where} ${i}`),
  }));
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
        templates: p.templates.map(storeTemplate),
        negatives: (p.negatives ?? []).map(storeTemplate),
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
  if (!READABLE_VERSIONS.includes(raw.version)) {
    throw new GalleryError(
      path,
      `has format version ${raw.version}; this facegate reads versions ${READABLE_VERSIONS.join(" and ")}`,
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
        templates: loadTemplates(p.templates, raw.dim, `${p.name} template`),
        negatives: loadTemplates(p.negatives ?? [], raw.dim, `${p.name} negative`),
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

/** The lock every change of a gallery file takes (CLI and daemon alike): `<gallery>.lock`. */
export function galleryLockPath(path: string): string {
  return `${path}.lock`;
}

export interface GalleryIdentity {
  embedderId: string;
  dim: number;
}

/** Reads the file as it is now (or an empty gallery), lets `change` edit it and writes it back. */
function readChangeWrite<T>(path: string, who: GalleryIdentity, change: (g: Gallery) => T): T {
  const gallery = readGalleryFor(path, who.embedderId) ?? new Gallery(who.embedderId, who.dim);
  const result = change(gallery);
  writeGalleryFile(path, gallery);
  return result;
}

/**
 * The one way to change a gallery file: under its lock, re-read it, apply `change`, write it atomically. Two
 * writers (a CLI `enroll` and an assign from the page) therefore never lose each other's people: the second
 * applies its change to what the first wrote. `change` must be quick and synchronous (analyse photos before);
 * when it throws, nothing is written.
 */
export function updateGalleryFile<T>(
  path: string,
  who: GalleryIdentity,
  change: (g: Gallery) => T,
  lock: LockOptions = {},
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  return withFileLock(galleryLockPath(path), () => readChangeWrite(path, who, change), lock);
}

/** The same for synchronous command-line steps; never call it while this process awaits the async variant. */
export function updateGalleryFileSync<T>(
  path: string,
  who: GalleryIdentity,
  change: (g: Gallery) => T,
  lock: LockOptions = {},
): T {
  mkdirSync(dirname(path), { recursive: true });
  return withFileLockSync(galleryLockPath(path), () => readChangeWrite(path, who, change), lock);
}
