/** A camera configuration that can never work (unknown source kind, bad size, empty command). */
export class CaptureConfigError extends Error {
  constructor(
    readonly camera: string,
    message: string,
  ) {
    super(`camera ${camera}: ${message}`);
    this.name = "CaptureConfigError";
  }
}

/** One failed run of a capture child (ffmpeg exit, still-capture command failure). Reported, never thrown to callers. */
export class CaptureRunError extends Error {
  constructor(
    readonly camera: string,
    readonly reason: string,
  ) {
    super(`camera ${camera}: ${reason}`);
    this.name = "CaptureRunError";
  }
}
