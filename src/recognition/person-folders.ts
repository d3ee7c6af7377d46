import { type Dirent, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PeopleFolderError } from "./errors.ts";

export interface PersonFolder {
  /** The folder's name, NFC-normalised (macOS hands out NFD): the person's name in the gallery. */
  name: string;
  dir: string;
}

/**
 * What counts as a person's folder under a people folder (`enroll`, `train`, `forget`'s photos): every
 * non-hidden sub-folder, its name the person's name, in name order. Throws a `PeopleFolderError` when `root`
 * is not a readable folder.
 */
export function listPersonFolders(root: string): PersonFolder[] {
  let entries: Dirent[];
  try {
    if (!statSync(root).isDirectory()) throw new PeopleFolderError(root, `${root} is not a folder`);
    entries = readdirSync(root, { withFileTypes: true });
  } catch (err) {
    if (err instanceof PeopleFolderError) throw err;
    throw new PeopleFolderError(
      root,
      `cannot read folder ${root} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => ({ name: e.name.normalize("NFC"), dir: join(root, e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
