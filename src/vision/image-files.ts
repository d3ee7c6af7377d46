import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";

/** What counts as a photo: the one rule for `identify`, `enroll`, `train` and the evaluation tools. */
export const IMAGE_EXTENSIONS = new Set([
  ".jpg",
  ".jpeg",
  ".png",
  ".webp",
  ".bmp",
  ".tif",
  ".tiff",
  ".gif",
  ".avif",
  ".heic",
]);

export const isImagePath = (p: string) => IMAGE_EXTENSIONS.has(extname(p).toLowerCase());

/**
 * Image files under `dir`, recursively, in a stable (name) order; hidden entries are skipped. Throws the
 * file system's error (naming the path) for a folder that cannot be read.
 */
export function* walkImages(dir: string): Generator<string> {
  // An unreadable folder throws (with its path): silently yielding nothing would look like a folder without photos.
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.name.startsWith(".")) continue;
    // Symbolic links are followed (people link photos into their folders), but only one level: no cycles.
    const kind = e.isSymbolicLink()
      ? linkKind(full)
      : e.isDirectory()
        ? "dir"
        : e.isFile()
          ? "file"
          : "other";
    if (kind === "dir" && !e.isSymbolicLink()) yield* walkImages(full);
    else if (kind === "file" && isImagePath(e.name)) yield full;
  }
}

function linkKind(path: string): "dir" | "file" | "other" {
  try {
    const st = statSync(path);
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
  } catch {
    return "other";
  }
}
