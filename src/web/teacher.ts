import type { Capture, CaptureStore } from "../recognition/capture-store.ts";
import { addPhoto, type EnrollPolicy } from "../recognition/enroll.ts";
import { forgetOnDisk } from "../recognition/forget.ts";
import type { Gallery, Person } from "../recognition/gallery.ts";
import {
  assertLocallyWritable,
  type GalleryIdentity,
  readGalleryFor,
  updateGalleryFile,
} from "../recognition/gallery-file.ts";
import { personNameProblem } from "../recognition/person-name.ts";
import {
  assignCapture,
  captureSource,
  rejectCapture,
  renamePerson,
  TeachError,
} from "../recognition/teach.ts";
import { ImageError } from "../vision/errors.ts";
import type { AnalysisResult } from "../vision/worker/vision-client.ts";
import { HttpError } from "./http-error.ts";

export interface PhotoAnalyzer {
  analyzeEncoded(
    bytes: Uint8Array,
    opts: { withUpper?: boolean; maxFaces?: number },
  ): Promise<AnalysisResult>;
}

export interface TeacherOptions {
  galleryPath: string;
  /** The running embedder (a gallery or capture of another one is refused). */
  embedder: () => GalleryIdentity;
  analyzer: PhotoAnalyzer;
  enrollPolicy: () => EnrollPolicy;
  captures: CaptureStore | null;
  /** `snapshots.dir`: deleting a person forgets their snapshots too. */
  snapshotsDir?: string;
  /** The daemon's reload; resolves false when the new gallery could not be loaded. */
  reload: (trigger: string) => Promise<boolean>;
  /** Where names come from now; the page can change only a plain gallery. */
  modelSource: () => "gallery" | "store" | "keras" | null;
}

export interface PersonSummary {
  name: string;
  /** Whole-face templates (what unmasked faces are compared with). */
  templates: number;
  /** Upper-face templates (what masked faces are compared with). */
  masked_templates: number;
  /** Faces said not to be them ("not this person"). */
  negatives: number;
  enrolled_at: string;
}

/** Raster formats a camera or phone makes; anything else (SVG: a document that draws) is refused unread. */
const PHOTO_FORMATS = new Set(["jpeg", "png", "webp", "gif", "tiff", "avif", "heif"]);

/** Looks at the header only: what the bytes are, whatever the Content-Type said. */
async function refuseNonPhotos(bytes: Buffer): Promise<void> {
  let format: string | undefined;
  // Loaded on first use, like the live view's: a daemon nobody teaches through the page never loads sharp.
  const { default: sharp } = await import("sharp");
  try {
    ({ format } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch {
    throw new HttpError(422, "photo refused: not a readable image");
  }
  if (!format || !PHOTO_FORMATS.has(format))
    throw new HttpError(
      422,
      `photo refused: ${format ?? "unknown"} is not a photo format (JPEG or PNG expected)`,
    );
}

/** A name from the URL or a body, checked (the route schema did too) and in NFC, as the gallery keeps names. */
export function checkedName(name: string): string {
  const problem = personNameProblem(name);
  if (problem) throw new HttpError(400, `name: ${problem}`);
  return name.normalize("NFC");
}

export function summarise(person: Person): PersonSummary {
  return {
    name: person.name,
    templates: person.templates.filter((t) => t.space === "full").length,
    masked_templates: person.templates.filter((t) => t.space === "upper").length,
    negatives: person.negatives?.length ?? 0,
    enrolled_at: person.enrolledAt,
  };
}

/** A capture belongs to one person: assigning it again moves it (a person left with no template goes). */
function takeFromOthers(gallery: Gallery, name: string, source: string): void {
  for (const other of [...gallery.people.values()]) {
    if (other.name === name || !other.templates.some((t) => t.source === source)) continue;
    const templates = other.templates.filter((t) => t.source !== source);
    if (templates.length === 0) gallery.remove(other.name);
    else gallery.put({ ...other, templates });
  }
}

/**
 * Every change the page makes to what facegate knows: people (photos, rename, delete) and captures (assign,
 * reject, delete). Gallery changes go through updateGalleryFile (the lock and atomic write the CLI uses too), then
 * the daemon reloads before the answer goes out, so the next frame already uses them.
 */
export class Teacher {
  /** Capture record changes of this process, one at a time (a record is read, changed and written back). */
  #captureQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TeacherOptions) {}

  get captures(): CaptureStore | null {
    return this.options.captures;
  }

  /** The gallery file as it is now (an empty one when none exists yet). */
  gallery(): Gallery | null {
    return readGalleryFor(this.options.galleryPath, this.options.embedder().embedderId);
  }

  async addPhoto(name: string, bytes: Buffer): Promise<PersonSummary & { masked: boolean }> {
    this.#requireGallery();
    await refuseNonPhotos(bytes);
    let analysis: AnalysisResult;
    try {
      analysis = await this.options.analyzer.analyzeEncoded(bytes, { withUpper: true, maxFaces: 4 });
    } catch (err) {
      if (err instanceof ImageError) throw new HttpError(422, err.message);
      throw err;
    }
    const file = `upload-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    const policy = this.options.enrollPolicy();
    const result = await this.#change((g) => {
      const outcome = addPhoto(name, g.people.get(name), { file, faces: analysis.faces }, policy);
      if ("reason" in outcome) throw new HttpError(422, `photo refused: ${outcome.reason}`);
      g.put(outcome.person);
      return { ...summarise(outcome.person), masked: outcome.masked };
    });
    await this.#reload("photo added");
    return result;
  }

  /** Removes a person the way `facegate forget` does for the gallery, its .prev, their captures and snapshots. */
  async removePerson(name: string): Promise<void> {
    this.#requireGallery();
    if (!this.gallery()?.people.has(name)) throw new HttpError(404, `${name} is not enrolled`);
    const report = forgetOnDisk(name, {
      gallery: this.options.galleryPath,
      captures: this.options.captures?.dir,
      snapshots: this.options.snapshotsDir,
    });
    const failed = report.steps.find((s) => s.action === "failed");
    if (failed) throw new Error(`could not remove ${name}: ${failed.what} ${failed.path}: ${failed.detail}`);
    await this.#reload("person removed");
  }

  async rename(from: string, to: string): Promise<PersonSummary> {
    this.#requireGallery();
    const person = await this.#change((g) => renamePerson(g, from, to));
    await this.#capturesNamed(from, (c) => {
      c.name = to;
    });
    await this.#reload("person renamed");
    return summarise(person);
  }

  /**
   * Captures are `name`: in one gallery write and one reload, however many (a stranger's group of visits at once).
   * Every id is checked before anything changes, so an unknown one changes nothing.
   */
  async assign(
    ids: readonly string[],
    name: string,
  ): Promise<{ captures: Capture[]; person: PersonSummary }> {
    this.#requireGallery();
    const unique = [...new Set(ids)];
    const captures = unique.map((id) => this.#capture(id));
    const person = await this.#change((g) => {
      let assigned: Person | undefined;
      for (const capture of captures) {
        takeFromOthers(g, name, captureSource(capture.id));
        assigned = assignCapture(g, name, capture);
      }
      if (!assigned) throw new HttpError(400, "no capture to assign");
      return assigned;
    });
    try {
      const updated: Capture[] = [];
      for (const id of unique)
        updated.push(
          await this.#updateCapture(id, (c) => {
            c.name = name;
            c.assigned = true;
            c.rejected = c.rejected.filter((n) => n !== name);
          }),
        );
      return { captures: updated, person: summarise(person) };
    } finally {
      // The gallery changed even when a record vanished meanwhile: the cameras use it from the next frame.
      await this.#reload(unique.length === 1 ? "capture assigned" : `${unique.length} captures assigned`);
    }
  }

  async reject(id: string): Promise<{ capture: Capture; person: PersonSummary }> {
    this.#requireGallery();
    const capture = this.#capture(id);
    const name = capture.name;
    if (name === null) throw new HttpError(409, "this capture has no name to reject (it is unknown)");
    const person = await this.#change((g) => rejectCapture(g, name, capture));
    const updated = await this.#updateCapture(id, (c) => {
      c.rejected = [...c.rejected.filter((n) => n !== name), name];
      c.name = null;
      c.assigned = false;
    });
    await this.#reload("capture rejected");
    return { capture: updated, person: summarise(person) };
  }

  deleteCapture(id: string): void {
    if (!this.#store().remove(id)) throw new HttpError(404, `no capture ${id}`);
  }

  #store(): CaptureStore {
    const store = this.options.captures;
    if (!store) throw new HttpError(404, "captures are turned off (captures.enabled: false)");
    return store;
  }

  #capture(id: string): Capture {
    const capture = this.#store().get(id);
    if (!capture) throw new HttpError(404, `no capture ${id}`);
    const { embedderId } = this.options.embedder();
    if (capture.embedder !== embedderId)
      throw new HttpError(
        409,
        `capture ${id} was made with embedder ${capture.embedder}, but ${embedderId} runs`,
      );
    return capture;
  }

  #updateCapture(id: string, change: (c: Capture) => void): Promise<Capture> {
    const run = this.#captureQueue.then(() => {
      const updated = this.#store().update(id, change);
      if (!updated) throw new HttpError(404, `capture ${id} was deleted meanwhile`);
      return updated;
    });
    this.#captureQueue = run.catch(() => {});
    return run;
  }

  #capturesNamed(name: string, change: (c: Capture) => void): Promise<void> {
    const store = this.options.captures;
    if (!store) return Promise.resolve();
    const run = this.#captureQueue.then(() => {
      for (const c of store.list()) if (c.name === name) store.update(c.id, change);
    });
    this.#captureQueue = run.catch(() => {});
    return run;
  }

  async #change<T>(change: (g: Gallery) => T): Promise<T> {
    try {
      return await updateGalleryFile(this.options.galleryPath, this.options.embedder(), change);
    } catch (err) {
      if (err instanceof TeachError) throw new HttpError(err.kind === "not_found" ? 404 : 409, err.message);
      throw err;
    }
  }

  #requireGallery(): void {
    // A fleet door's gallery comes from the fleet publisher: refused here, before any photo is analysed or any
    // capture touched, by the gallery owner's own check (its write refuses too); answered 409 with where to enroll.
    assertLocallyWritable(this.options.galleryPath);
    const source = this.options.modelSource();
    if (source === "store")
      throw new HttpError(
        409,
        "names come from the model store (training.store): teach with facegate-retrain; the page cannot change it",
      );
    if (source === "keras")
      throw new HttpError(
        409,
        "names come from recognition.classifier (a Keras model): the page cannot change it",
      );
  }

  async #reload(trigger: string): Promise<void> {
    if (!(await this.options.reload(`web: ${trigger}`)))
      throw new HttpError(
        409,
        "saved, but the daemon could not load the gallery (see facegate/error and the log)",
      );
  }
}
