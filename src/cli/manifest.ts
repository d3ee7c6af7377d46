import { type ManifestRow, readManifest } from "../evaluation/manifest.ts";
import { UsageError } from "./args.ts";

/** The manifest a command was pointed at; an unreadable one is the user's mistake, reported with the usage. */
export function readManifestForCommand(path: string): ManifestRow[] {
  try {
    return readManifest(path);
  } catch (err) {
    throw new UsageError(`cannot read manifest: ${(err as Error).message}`);
  }
}
