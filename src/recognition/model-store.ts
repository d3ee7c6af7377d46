import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir, isAlive, writeFileAtomic } from "../system/write-atomic.ts";
import { ModelStoreError } from "./errors.ts";

/**
 * A versioned store of trained models:
 *
 *   <store>/versions/<id>/{gallery.json, head/model.json, head/weights.bin, metadata.json, report/...}
 *   <store>/current.json   pointer to the active version (and the one before it, for rollback)
 *
 * A version is built in `<store>/.staging-<pid>-<random>/` and renamed into `versions/` only when complete; it
 * becomes active when `current.json` is replaced (write temp + fsync + rename). Either step interrupted (SIGTERM,
 * kill -9, power cut) leaves the active model as it was. A pointer file rather than a `current` symlink: it is
 * replaced just as atomically, carries the previous version for rollback in the same write, works on any
 * filesystem (FAT on a boot partition, SMB), and one file to watch is simpler for the daemon.
 */

export const POINTER_FILE = "current.json";
export const VERSIONS_DIR = "versions";
export const GALLERY_FILE = "gallery.json";
export const HEAD_DIR = "head";
export const METADATA_FILE = "metadata.json";
export const REPORT_DIR = "report";
const POINTER_FORMAT = "facegate-model-pointer";
const STAGING_PREFIX = ".staging-";

export interface StorePointer {
  format: typeof POINTER_FORMAT;
  version: string;
  previous: string | null;
  activated_at: string;
}

export interface VersionMetadata {
  format: "facegate-model";
  version: string;
  created: string;
  facegate_version: string;
  embedder: string;
  detector: string;
  /** sha256 over the input photos (paths and content). */
  data_hash: string;
  seed: number;
  /** Class order of the head's softmax. */
  classes: string[];
  people: string[];
  thresholds: { softmax: number; gallery: { full: number; upper: number }; gallery_source: string };
  metrics: {
    val_accuracy: number | null;
    val_loss: number | null;
    train_accuracy: number;
    best_epoch: number;
    epochs_run: number;
    train_samples: number;
    val_samples: number;
  };
  [extra: string]: unknown;
}

const versionsDir = (store: string) => join(store, VERSIONS_DIR);
export const versionDir = (store: string, id: string) => join(store, VERSIONS_DIR, id);
export const pointerPath = (store: string) => join(store, POINTER_FILE);

/** The active version's pointer, or null when nothing was ever activated. */
export function readPointer(store: string): StorePointer | null {
  const path = pointerPath(store);
  if (!existsSync(path)) return null;
  let raw: StorePointer;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new ModelStoreError(
      store,
      `${POINTER_FILE} is not valid JSON; run \`facegate rollback\` or retrain`,
    );
  }
  if (raw?.format !== POINTER_FORMAT || typeof raw.version !== "string")
    throw new ModelStoreError(store, `${POINTER_FILE} is not a facegate model pointer`);
  return raw;
}

/** Folder of the active version, or null when the store has none. */
export function activeVersionDir(store: string): string | null {
  const p = readPointer(store);
  if (!p) return null;
  const dir = versionDir(store, p.version);
  if (!existsSync(join(dir, METADATA_FILE)))
    throw new ModelStoreError(store, `active version ${p.version} is missing (its folder was removed?)`);
  return dir;
}

/** The daemon's gallery: read it with `readGalleryFor(activeGalleryPath(store), embedderId)`. */
export function activeGalleryPath(store: string): string | null {
  const dir = activeVersionDir(store);
  return dir ? join(dir, GALLERY_FILE) : null;
}

/** Folder of the active classifier head (TF.js layers model: `fileSystemLoader(activeHeadDir(store))`). */
export function activeHeadDir(store: string): string | null {
  const dir = activeVersionDir(store);
  return dir ? join(dir, HEAD_DIR) : null;
}

export function readMetadata(dir: string): VersionMetadata {
  try {
    return JSON.parse(readFileSync(join(dir, METADATA_FILE), "utf8")) as VersionMetadata;
  } catch (err) {
    throw new ModelStoreError(dir, `cannot read ${METADATA_FILE} (${(err as Error).message})`);
  }
}

/** A version's metadata, refused when the version was trained for another embedder than the running one. */
export function readMetadataFor(dir: string, embedderId: string): VersionMetadata {
  const meta = readMetadata(dir);
  if (meta.embedder !== embedderId)
    throw new ModelStoreError(
      dir,
      `model version ${meta.version} was trained for embedder "${meta.embedder}", but "${embedderId}" runs; retrain`,
    );
  return meta;
}

/** Whether a version has a classifier head (a gallery-only version has none). */
export function hasHead(dir: string): boolean {
  return existsSync(join(dir, HEAD_DIR, "model.json"));
}

export function readActiveMetadata(store: string): VersionMetadata | null {
  const dir = activeVersionDir(store);
  return dir ? readMetadata(dir) : null;
}

/** Version ids, oldest first (ids sort by time). */
export function listVersions(store: string): string[] {
  if (!existsSync(versionsDir(store))) return [];
  return readdirSync(versionsDir(store), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(versionsDir(store), e.name, METADATA_FILE)))
    .map((e) => e.name)
    .sort();
}

/** Every folder under versions/, damaged ones (no metadata) included, oldest first: what `forget` must inspect. */
export function listVersionFolders(store: string): string[] {
  if (!existsSync(versionsDir(store))) return [];
  return readdirSync(versionsDir(store), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * Sortable id: UTC time to the millisecond (e.g. `20261129T193500.123Z`) plus a counter when two versions of one
 * store share it. Milliseconds, not seconds: versions trained on two machines (or into two stores) and copied
 * together must not collide.
 */
export function newVersionId(store: string, now = new Date()): string {
  const base = now.toISOString().replace(/[-:]/g, "");
  let id = base;
  for (let n = 1; existsSync(versionDir(store, id)); n++) id = `${base}-${n}`;
  return id;
}

export interface Staging {
  /** Write the version's files here. */
  dir: string;
  /** Moves the finished folder into versions/ (not yet active) and returns its id. */
  commit(): string;
  /** Removes the unfinished folder. */
  abort(): void;
}

/** Starts a new version in a private staging folder inside the store (same filesystem: the rename is atomic). */
export function stageVersion(store: string): Staging {
  mkdirSync(versionsDir(store), { recursive: true, mode: 0o750 });
  removeStaleStaging(store);
  const dir = join(store, `${STAGING_PREFIX}${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { mode: 0o750 });
  return {
    dir,
    commit: () => {
      for (const f of [METADATA_FILE, GALLERY_FILE])
        if (!existsSync(join(dir, f))) throw new ModelStoreError(store, `staged version lacks ${f}`);
      fsyncDir(dir);
      const id = newVersionId(store);
      renameSync(dir, versionDir(store, id));
      fsyncDir(versionsDir(store));
      return id;
    },
    abort: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Staging folders in the store (unfinished versions), with the pid of the training that made each. */
export function stagingFolders(store: string): { dir: string; pid: number }[] {
  if (!existsSync(store)) return [];
  const out: { dir: string; pid: number }[] = [];
  for (const name of readdirSync(store)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    out.push({ dir: join(store, name), pid: Number(/^\.staging-(\d+)-/.exec(name)?.[1] ?? Number.NaN) });
  }
  return out;
}

/** Removes staging folders left by training processes that died (kill -9, power cut). */
export function removeStaleStaging(store: string): void {
  for (const { dir, pid } of stagingFolders(store)) {
    if (Number.isNaN(pid)) continue;
    // Our own staging and that of a training still running are not stale.
    if (pid === process.pid || isAlive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Makes a committed version the active one; the one it replaces is remembered for rollback. */
export function activateVersion(store: string, id: string): StorePointer {
  if (!existsSync(join(versionDir(store, id), METADATA_FILE)))
    throw new ModelStoreError(store, `no version ${id}`);
  let previous: string | null = null;
  try {
    previous = readPointer(store)?.version ?? null;
  } catch {
    // A damaged pointer is replaced: it pointed nowhere usable anyway.
  }
  return writePointer(store, id, previous === id ? (readPointer(store)?.previous ?? null) : previous);
}

/** Replaces `current.json` (atomically) so that `version` is active and `previous` is where rollback goes. */
export function writePointer(store: string, version: string, previous: string | null): StorePointer {
  const pointer: StorePointer = {
    format: POINTER_FORMAT,
    version,
    previous,
    activated_at: new Date().toISOString(),
  };
  writeFileAtomic(pointerPath(store), `${JSON.stringify(pointer, null, 2)}\n`, 0o640);
  return pointer;
}

/** Removes `current.json`: the store has no active version (every version was deleted). */
export function removePointer(store: string): void {
  rmSync(pointerPath(store), { force: true });
}

/**
 * Re-activates the version before the current one (the pointer's `previous`, or else the newest older version).
 * Rolling back twice returns to where it started: the version rolled away from becomes `previous`.
 */
export function rollback(store: string): { from: string; to: string } {
  const p = readPointer(store);
  if (!p) throw new ModelStoreError(store, "has no active model to roll back from");
  const versions = listVersions(store);
  let to = p.previous && versions.includes(p.previous) ? p.previous : null;
  to ??= versions.filter((v) => v < p.version).pop() ?? null;
  if (!to) throw new ModelStoreError(store, `has no version before ${p.version} to roll back to`);
  activateVersion(store, to);
  return { from: p.version, to };
}

/** Deletes old versions beyond `keep`, never the active one nor its previous. */
export function pruneVersions(store: string, keep: number): string[] {
  const p = readPointer(store);
  const protect = new Set([p?.version, p?.previous].filter((v): v is string => !!v));
  const versions = listVersions(store);
  const removable = versions.slice(0, Math.max(0, versions.length - keep)).filter((v) => !protect.has(v));
  for (const v of removable) rmSync(versionDir(store, v), { recursive: true, force: true });
  return removable;
}
