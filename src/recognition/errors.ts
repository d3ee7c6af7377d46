/** A gallery file that cannot be used: truncated, corrupt, foreign or made with another embedder. */
export class GalleryError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`gallery ${path}: ${reason}`);
    this.name = "GalleryError";
  }
}

/**
 * A local change (enroll, gallery remove, forget, the web page) to a gallery that a fleet publisher manages:
 * the next publish would overwrite it, so it is refused with where to make the change instead.
 */
export class GalleryManagedError extends GalleryError {
  constructor(path: string, reason: string) {
    super(path, reason);
    this.name = "GalleryManagedError";
  }
}

/** The model store holds something it cannot use (damaged pointer, missing version files). */
export class ModelStoreError extends Error {
  constructor(
    readonly store: string,
    message: string,
  ) {
    super(`model store ${store}: ${message}`);
    this.name = "ModelStoreError";
  }
}

/** A people folder (one sub-folder of photos per person) that is missing or cannot be read. */
export class PeopleFolderError extends Error {
  constructor(
    readonly root: string,
    message: string,
  ) {
    super(message);
    this.name = "PeopleFolderError";
  }
}
