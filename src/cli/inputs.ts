import { statSync } from "node:fs";
import { walkImages } from "../vision/image-files.ts";

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
      try {
        for (const f of walkImages(p)) {
          found++;
          yield { file: f };
        }
      } catch (err) {
        // An unreadable folder (or subfolder) is an error to report, not a folder without images.
        const e = err as NodeJS.ErrnoException;
        yield { file: p, error: `cannot read ${e.path ?? p} (${e.code ?? e.message})` };
        continue;
      }
      if (found === 0) yield { file: p, error: "folder holds no images" };
    } else yield { file: p };
  }
}
