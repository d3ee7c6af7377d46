import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { withFileLockSync } from "../system/file-lock.ts";
import { slug } from "../system/slug.ts";
import { writeFileAtomic } from "../system/write-atomic.ts";
import { CaptureStore, captureNames } from "./capture-store.ts";
import { GalleryError } from "./errors.ts";
import {
  assertLocallyWritable,
  galleryLockPath,
  parseGallery,
  serializeGallery,
  writeGalleryFile,
} from "./gallery-file.ts";
import {
  GALLERY_FILE,
  listVersionFolders,
  listVersions,
  pointerPath,
  readMetadata,
  readPointer,
  removePointer,
  type StorePointer,
  stagingFolders,
  versionDir,
  writePointer,
} from "./model-store.ts";
import { listPersonFolders } from "./person-folders.ts";

/**
 * Erases one person from everything facegate keeps on disk (the right to be forgotten): the gallery and its
 * `.prev` copy, unfinished temporary copies of either, the model store's versions trained with them, their photo
 * folder under the training people folder, snapshots whose file name carries their name, and captures (the
 * page's faces) that name them. MQTT's retained
 * messages are cleared elsewhere (src/mqtt/forget-retained.ts). Every step is idempotent, so after a crash or a
 * failed step running it again finishes the job.
 */

export interface ForgetPaths {
  gallery?: string;
  /** The model store (`training.store`): versions/<id>/{gallery.json, head/, metadata.json, report/}. */
  store?: string;
  /** The training photos (`training.people`): one folder per person. */
  people?: string;
  /** `snapshots.dir`: <dir>/<camera>/<time>_<slug>.jpg. */
  snapshots?: string;
  /** `captures.dir`: see capture-store.ts. */
  captures?: string;
}

export interface ForgetStep {
  /** "gallery", "gallery.prev", "temporary copy", "model version", "model pointer", "photos", "snapshot", "capture". */
  what: string;
  path: string;
  /** What was (or, in a dry run, would be) done. */
  action: "rewritten" | "deleted" | "re-pointed" | "failed";
  detail?: string;
}

export interface ForgetReport {
  steps: ForgetStep[];
  /** Whether the person was found anywhere on disk. */
  found: boolean;
  failed: boolean;
}

/** Gallery names are stored NFC-normalised; the command line may hand us NFD (macOS) or NFC. */
const sameName = (a: string, b: string) => a.normalize("NFC") === b.normalize("NFC");

export function forgetOnDisk(name: string, paths: ForgetPaths, dryRun = false): ForgetReport {
  const steps: ForgetStep[] = [];
  const run = (what: string, path: string, action: ForgetStep["action"], work: () => void) => {
    try {
      if (!dryRun) work();
      steps.push({ what, path, action });
    } catch (err) {
      steps.push({ what, path, action: "failed", detail: (err as Error).message });
    }
  };
  const gallery = paths.gallery;
  // Under the gallery's lock, like every other change of it: an enroll or a page assign running now is not undone.
  if (gallery && existsSync(dirname(gallery)))
    withFileLockSync(galleryLockPath(gallery), () => forgetInGallery(name, gallery, run, steps));
  if (paths.store) forgetInStore(name, paths.store, run, steps);
  if (paths.people) forgetPhotos(name, paths.people, run);
  if (paths.snapshots) forgetSnapshots(name, paths.snapshots, run);
  if (paths.captures) forgetCaptures(name, paths.captures, run);
  return {
    steps,
    found: steps.some((s) => s.action !== "failed"),
    failed: steps.some((s) => s.action === "failed"),
  };
}

type Run = (what: string, path: string, action: ForgetStep["action"], work: () => void) => void;

/**
 * Rewrites a gallery file without the person, without copying the file as it is now (person included) to
 * `.prev`. The gallery goes through writeGalleryFile, so a fleet-managed gallery is refused with where to forget
 * them instead (the publisher); `.prev` is a backup, not what any door runs, so it is scrubbed even there. A
 * file that cannot be read as a gallery may still hold their templates, so a damaged `.prev` or temporary copy
 * is deleted; a damaged main gallery is left alone and reported (the daemon refuses it too, and deleting it
 * would lose everyone else).
 */
function forgetInGallery(name: string, path: string, run: Run, steps: ForgetStep[]): void {
  for (const [what, file] of [
    ["gallery.prev", `${path}.prev`],
    ["gallery", path],
  ] as const) {
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
      const gallery = parseGallery(text, file);
      const person = gallery.names().find((n) => sameName(n, name));
      if (person === undefined) continue;
      // Also in a dry run: a fleet-managed gallery is reported as refused, not as "would be rewritten".
      if (what === "gallery") assertLocallyWritable(file);
      gallery.remove(person);
      run(what, file, "rewritten", () =>
        what === "gallery"
          ? writeGalleryFile(file, gallery, { keepPrevious: false, vectors: gallery.vectors })
          : writeFileAtomic(file, serializeGallery(gallery, { vectors: gallery.vectors })),
      );
    } catch (err) {
      if (what === "gallery.prev") run(what, file, "deleted", () => rmSync(file, { force: true }));
      else
        steps.push({
          what,
          path: file,
          action: "failed",
          detail: err instanceof GalleryError ? err.message : String(err),
        });
    }
  }
  // writeFileAtomic's temporary files (".<name>.<pid>.<time>.tmp") left by a crash are full copies.
  const dir = dirname(path);
  const prefixes = [`.${basename(path)}.`, `.${basename(path)}.prev.`];
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir)) {
      if (entry.endsWith(".tmp") && prefixes.some((p) => entry.startsWith(p)))
        run("temporary copy", join(dir, entry), "deleted", () => rmSync(join(dir, entry), { force: true }));
    }
  }
}

/**
 * A version trained with the person is deleted whole: its classifier head learnt their face and cannot be
 * untrained, and its report names them. When the active version goes, the newest remaining version becomes
 * active, or the pointer is removed; `facegate-retrain` then trains without them (their photos are gone too).
 * The store's layout and pointer format are the model store's (./model-store.ts); this only decides what goes.
 */
function forgetInStore(name: string, store: string, run: Run, steps: ForgetStep[]): void {
  const deleted = new Set<string>();
  for (const id of listVersionFolders(store)) {
    const dir = versionDir(store, id);
    if (!versionHolds(name, dir)) continue;
    deleted.add(id);
    run("model version", dir, "deleted", () => rmSync(dir, { recursive: true, force: true }));
  }
  // Unfinished versions of a training that died may hold them too; they are never needed.
  for (const { dir } of stagingFolders(store))
    run("model version", dir, "deleted", () => rmSync(dir, { recursive: true, force: true }));
  const pointer = pointerPath(store);
  if (deleted.size === 0 || !existsSync(pointer)) return;
  let current: StorePointer | null = null;
  try {
    current = readPointer(store);
  } catch {
    // A damaged pointer is rewritten below like a dangling one.
  }
  const remaining = listVersions(store).filter((v) => !deleted.has(v));
  const activeGone = !current || deleted.has(current.version);
  const previousGone = !!current?.previous && deleted.has(current.previous);
  if (!activeGone && !previousGone) return;
  const next = activeGone ? remaining.at(-1) : current?.version;
  if (!next) {
    run("model pointer", pointer, "deleted", () => removePointer(store));
    return;
  }
  const previous = remaining.filter((v) => v < next).at(-1) ?? null;
  run("model pointer", pointer, "re-pointed", () => writePointer(store, next, previous));
  steps[steps.length - 1].detail = `active version is now ${next}`;
}

/** Whether a version's metadata or gallery names the person (an unreadable version is assumed to). */
function versionHolds(name: string, dir: string): boolean {
  try {
    const meta = readMetadata(dir) as { people?: unknown; classes?: unknown };
    const lists = [meta.people, meta.classes].filter(Array.isArray) as unknown[][];
    if (lists.some((l) => l.some((n) => typeof n === "string" && sameName(n, name)))) return true;
  } catch {
    return true;
  }
  const gallery = join(dir, GALLERY_FILE);
  if (!existsSync(gallery)) return false;
  try {
    return parseGallery(readFileSync(gallery, "utf8"), gallery)
      .names()
      .some((n) => sameName(n, name));
  } catch {
    return true;
  }
}

/** `<people>/<name>/`: the photos retraining would enroll them from again. */
function forgetPhotos(name: string, people: string, run: Run): void {
  if (!existsSync(people)) return;
  for (const { name: folder, dir } of listPersonFolders(people)) {
    if (sameName(folder, name))
      run("photos", dir, "deleted", () => rmSync(dir, { recursive: true, force: true }));
  }
}

/** Snapshot names are `<ISO time with - for : and .>_<slug>.jpg` (src/pipeline/snapshot.ts). */
function forgetSnapshots(name: string, dir: string, run: Run): void {
  if (!existsSync(dir)) return;
  const escaped = slug(name).replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  const pattern = new RegExp(`^[0-9TZ-]+_${escaped}\\.jpg$`);
  const visit = (folder: string, depth: number) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth < 2) visit(path, depth + 1);
      else if (entry.isFile() && pattern.test(entry.name))
        run("snapshot", path, "deleted", () => rmSync(path, { force: true }));
    }
  };
  visit(dir, 0);
}

/** Captures whose name, decision or rejections name the person: their face and templates go. */
function forgetCaptures(name: string, dir: string, run: Run): void {
  const store = new CaptureStore(dir);
  for (const capture of store.list()) {
    if (!captureNames(capture, name)) continue;
    run("capture", store.imagePath(capture.id) ?? dir, "deleted", () => store.remove(capture.id));
  }
}
