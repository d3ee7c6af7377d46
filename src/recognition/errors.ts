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
