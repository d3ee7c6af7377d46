/** An .npz / zip file that this reader cannot parse. */
export class NpzFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "NpzFormatError";
  }
}

/** Training could not produce a model (too few people or photos, every photo rejected). */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingError";
  }
}
