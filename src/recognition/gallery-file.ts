import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { type LockOptions, withFileLock, withFileLockSync } from "../system/file-lock.ts";
import { writeFileAtomic } from "../system/write-atomic.ts";
import { GalleryError, GalleryManagedError } from "./errors.ts";
import {
  Gallery,
  type GalleryManagement,
  type Person,
  type Template,
  type TemplateSpace,
  type VectorEncoding,
} from "./gallery.ts";
import { decodeVector, encodeVector } from "./vector-codec.ts";

export const GALLERY_FORMAT = "facegate-gallery";
/**
 * 2 added `negatives` per person ("not this person"), and optionally `vectors` ("i8") and `managed_by` (a
 * fleet gallery); version 1 files are read as having none of them.
 */
export const GALLERY_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

interface StoredTemplate {
  space: TemplateSpace;
  source: string;
  masked: boolean;
  /** base64 of little-endian float32 values ("f32"), or of a float32 scale followed by int8 values ("i8"). */
  vector: string;
}

interface StoredGallery {
  format: typeof GALLERY_FORMAT;
  version: number;
  embedder: string;
  dim: number;
  saved_at: string;
  /** Absent: "f32". */
  vectors?: VectorEncoding;
  /** Absent: enrolled on this machine. */
  managed_by?: GalleryManagement;
  people: { name: string; enrolled_at: string; templates: StoredTemplate[]; negatives?: StoredTemplate[] }[];
  /** sha256 of the JSON of every other field: catches a file edited or damaged without breaking its syntax. */
  checksum: string;
}

const storeTemplate =
  (encoding: VectorEncoding) =>
  (t: Template): StoredTemplate => ({
    space: t.space,
    source: t.source,
    masked: t.masked,
    vector: encodeVector(t.vector, encoding),
  });

function loadTemplates(
  stored: StoredTemplate[],
  dim: number,
  where: string,
  encoding: VectorEncoding,
): Template[] {
  return stored.map((t, i) => ({
    space: t.space,
    source: t.source,
    masked: t.masked,
    vector: decodeVector(t.vector, dim, `${where} ${i}`, encoding),
  }));
}

function checksumOf(body: Omit<StoredGallery, "checksum">): string {
  return createHash("sha256").update(JSON.stringify(body)).digest("hex");
}

export interface SerializeOptions {
  /** Default "f32" (exact). */
  vectors?: VectorEncoding;
  /** Default: the gallery's own `managed` (null for an enrolled gallery). */
  managed?: GalleryManagement | null;
}

export function serializeGallery(g: Gallery, options: SerializeOptions = {}): string {
  const vectors = options.vectors ?? "f32";
  const managed = options.managed === undefined ? g.managed : options.managed;
  const store = storeTemplate(vectors);
  const body: Omit<StoredGallery, "checksum"> = {
    format: GALLERY_FORMAT,
    version: GALLERY_VERSION,
    embedder: g.embedderId,
    dim: g.dim,
    saved_at: new Date().toISOString(),
    // Written only when used: an enrolled gallery's file is exactly what facegate wrote before fleets existed.
    ...(vectors === "f32" ? {} : { vectors }),
    ...(managed ? { managed_by: managed } : {}),
    people: g.names().map((name) => {
      const p = g.people.get(name) as Person;
      return {
        name,
        enrolled_at: p.enrolledAt,
        templates: p.templates.map(store),
        negatives: (p.negatives ?? []).map(store),
      };
    }),
  };
  return `${JSON.stringify({ ...body, checksum: checksumOf(body) })}\n`;
}

function checkManagement(m: unknown, path: string): GalleryManagement {
  const v = (m ?? {}) as Partial<GalleryManagement>;
  if (
    v.by !== "fleet" ||
    !Number.isSafeInteger(v.version) ||
    typeof v.sha256 !== "string" ||
    typeof v.topic !== "string" ||
    typeof v.applied_at !== "string"
  ) {
    throw new GalleryError(path, "has a damaged managed_by field");
  }
  return v as GalleryManagement;
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
  const encoding = raw.vectors ?? "f32";
  if (encoding !== "f32" && encoding !== "i8")
    throw new GalleryError(path, `stores vectors as "${encoding}"; this facegate reads f32 and i8`);
  const gallery = new Gallery(raw.embedder, raw.dim);
  gallery.vectors = encoding;
  if (raw.managed_by !== undefined) gallery.managed = checkManagement(raw.managed_by, path);
  try {
    for (const p of raw.people) {
      gallery.put({
        name: p.name,
        enrolledAt: p.enrolled_at,
        templates: loadTemplates(p.templates, raw.dim, `${p.name} template`, encoding),
        negatives: loadTemplates(p.negatives ?? [], raw.dim, `${p.name} negative`, encoding),
      });
    }
  } catch (err) {
    throw new GalleryError(path, (err as Error).message);
  }
  return gallery;
}

/** Refuses a gallery made with a different embedder: its vectors would mean nothing. */
export function checkEmbedder(gallery: Gallery, path: string, embedderId: string): Gallery {
  if (gallery.embedderId !== embedderId) {
    throw new GalleryError(
      path,
      `was made with embedder "${gallery.embedderId}", but "${embedderId}" is configured; enroll again into a new gallery`,
    );
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
  return g && checkEmbedder(g, path, embedderId);
}

/** Why a managed gallery cannot be changed here, and where to make the change instead. */
function managedReason(path: string, m: GalleryManagement): string {
  return (
    `is managed by the fleet (signed gallery version ${m.version} from MQTT topic ${m.topic}, applied ${m.applied_at}); ` +
    "a change made here would be overwritten by the next publish. Enroll or remove people in the publisher's " +
    'gallery (the machine that holds fleet.key), then run "facegate fleet publish". To manage this door on its ' +
    `own again, remove fleet: from its settings and run "facegate fleet detach --gallery ${path}"`
  );
}

/**
 * Throws GalleryManagedError when the gallery at `path` is managed by a fleet. Every local writer goes through
 * writeGalleryFile, which checks this itself; call it first only to refuse before doing expensive work (enroll).
 */
export function assertLocallyWritable(path: string): void {
  const managed = readGalleryFile(path)?.managed;
  if (managed) throw new GalleryManagedError(path, managedReason(path, managed));
}

export interface WriteOptions extends SerializeOptions {
  /** Keep the file being replaced as `<path>.prev` (default true). */
  keepPrevious?: boolean;
  /**
   * The fleet applier (and `facegate fleet detach`) may replace a fleet-managed gallery; nothing else passes
   * this. Without it, writing over a managed gallery throws GalleryManagedError.
   */
  as?: "fleet";
}

/**
 * Writes atomically (0600), keeping the previous version beside it as `<path>.prev`. A gallery managed by a
 * fleet is refused (GalleryManagedError) unless the writer is the fleet itself.
 */
export function writeGalleryFile(path: string, gallery: Gallery, options: WriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    // Only a readable gallery is kept as the previous version; a damaged file is never silently replaced.
    const previous = readFileSync(path);
    const current = parseGallery(previous.toString("utf8"), path);
    if (current.managed && options.as !== "fleet")
      throw new GalleryManagedError(path, managedReason(path, current.managed));
    if (options.keepPrevious !== false) writeFileAtomic(`${path}.prev`, previous);
  }
  // Only the fleet writes a management stamp: what any other writer saves is a local gallery.
  const managed = options.as === "fleet" ? (options.managed ?? gallery.managed) : null;
  writeFileAtomic(path, serializeGallery(gallery, { vectors: options.vectors, managed }));
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
