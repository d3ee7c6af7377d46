/**
 * Settings that cannot be used. The message is meant to be read by a person editing YAML:
 * `<file>: <key.path>: <what is expected>`, one problem per line.
 */
export class SettingsError extends Error {
  constructor(
    message: string,
    /** Each problem as `key.path: explanation`, for callers that show them differently. */
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
    this.name = "SettingsError";
  }
}
