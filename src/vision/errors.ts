/** A model file that is absent or unreadable: the message says how to get it back. */
export class ModelMissingError extends Error {
  constructor(
    readonly path: string,
    detail?: string,
  ) {
    super(
      `model file ${path} is ${detail ? `unreadable (${detail})` : "missing"}; run \`npx facegate models fetch\` to fetch and verify the models again`,
    );
    this.name = "ModelMissingError";
  }
}

/** An input image that cannot be used (not an image, truncated, too large, ...). */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

/** A class-names file for a face classifier that cannot be read or is not a list of names. */
export class ClassNamesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClassNamesError";
  }
}

/**
 * A model worker thread died (uncaught error, out of memory) with this request in flight. The worker is
 * restarted with backoff; later requests go to the new one.
 */
export class WorkerExitedError extends Error {
  constructor(
    readonly worker: string,
    detail: string,
  ) {
    super(`${worker} exited (${detail}); it is being restarted`);
    this.name = "WorkerExitedError";
  }
}
