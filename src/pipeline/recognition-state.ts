import type { Gallery } from "../recognition/gallery.ts";
import { readGalleryFor } from "../recognition/gallery-file.ts";
import type { Matcher } from "../recognition/matcher.ts";
import { buildMatcher, calibrationFor, type ThresholdOverrides } from "../recognition/recognizer.ts";

export interface RecognitionStateOptions {
  galleryPath: string;
  /** The running embedder's id: a gallery made with another one is refused. */
  embedderId: string;
  calibrationPath: string;
}

export type LoadResult = { ok: true; people: string[] } | { ok: false; error: string };

/**
 * The gallery and thresholds the cameras match against, swapped as a whole. `load()` builds everything new
 * first and only then replaces the current matcher, so a failed reload (a truncated or foreign gallery, a
 * missing threshold) leaves the previous one in use. A missing gallery file is an empty gallery: everyone
 * is `unknown` until people are enrolled.
 */
export class RecognitionState {
  #matcher: Matcher | null = null;
  #people: string[] = [];

  constructor(private readonly options: RecognitionStateOptions) {}

  /** The current matcher; null while nobody is enrolled. */
  get matcher(): Matcher | null {
    return this.#matcher;
  }

  get people(): readonly string[] {
    return this.#people;
  }

  /** (Re)loads gallery and calibration with these threshold overrides; never throws. */
  load(overrides: ThresholdOverrides = {}): LoadResult {
    const { galleryPath, embedderId, calibrationPath } = this.options;
    let gallery: Gallery | null;
    let matcher: Matcher | null = null;
    try {
      gallery = readGalleryFor(galleryPath, embedderId);
      if (gallery && gallery.people.size > 0)
        matcher = buildMatcher(gallery, calibrationFor(calibrationPath, embedderId), overrides);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    this.#matcher = matcher;
    this.#people = gallery ? gallery.names() : [];
    return { ok: true, people: [...this.#people] };
  }
}
