import { readFile } from "node:fs/promises";
import { ClassNamesError } from "../errors.ts";

/**
 * Reads a class-names file: a JSON array of strings, or one name per line. Shared by `facegate import-h5
 * --class-names` (stored in the converted model) and the classifier worker (`recognition.classifier.class_names`).
 */
export async function readClassNames(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ClassNamesError(`${file}: cannot read class-names file`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === "string")) {
      throw new ClassNamesError(`${file}: expected a JSON array of strings`);
    }
    return parsed;
  }
  return trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
