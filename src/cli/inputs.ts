import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";

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

export type InputItem = { file: string } | { file: string; error: string };

/**
 * Expands command-line inputs: files are taken as given (whatever their extension, so a mislabelled image still
 * gets a real decode error), folders are walked recursively for image files, in a stable order. Generates lazily so
 * that thousands of paths never build large intermediate lists.
 */
export function* expandInputs(paths: string[]): Generator<InputItem> {
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      yield { file: p, error: code === "ENOENT" ? "no such file or folder" : `cannot read (${code})` };
      continue;
    }
    if (st.isDirectory()) {
      let found = 0;
      for (const f of walkImages(p)) {
        found++;
        yield { file: f };
      }
      if (found === 0) yield { file: p, error: "folder holds no images" };
    } else yield { file: p };
  }
}

export function* walkImages(dir: string): Generator<string> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
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
