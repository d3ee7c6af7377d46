import { randomBytes } from "node:crypto";
import { readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { loadKerasH5, type ModelSummary } from "./convert.ts";
import { KerasImportError } from "./errors.ts";
import { fileSystemSaver } from "./tfjs-fs-io.ts";

export interface ImportH5Options {
  /** Class labels, one per output unit; stored in model.json's userDefinedMetadata. */
  classNames?: string[];
}

export interface ImportH5Result {
  outDir: string;
  kerasVersion: string;
  summary: ModelSummary;
}

/**
 * Converts a Keras `.h5` model into TF.js layers-model artifacts (`model.json` + `weights.bin`) in
 * `outDir`. The files are written to a sibling temporary folder first and renamed into place, so a
 * failed or interrupted import never leaves a half-written model; an existing `outDir` is replaced.
 */
export async function importKerasH5(
  h5Path: string,
  outDir: string,
  options: ImportH5Options = {},
): Promise<ImportH5Result> {
  const { model, kerasVersion, summary } = await loadKerasH5(h5Path);
  try {
    const classNames = options.classNames;
    if (classNames) checkClassCount(classNames, summary);
    model.setUserDefinedMetadata({
      facegate: { source: path.basename(h5Path), kerasVersion, ...(classNames ? { classNames } : {}) },
    });
    const target = path.resolve(outDir);
    const temporary = `${target}.tmp-${randomBytes(4).toString("hex")}`;
    try {
      await model.save(fileSystemSaver(temporary));
      await replaceDir(temporary, target);
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
    return { outDir: target, kerasVersion, summary };
  } finally {
    model.dispose();
  }
}

/** Reads a class-names file: a JSON array of strings, or one name per line. */
export async function readClassNames(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new KerasImportError("FILE_NOT_FOUND", `${file}: cannot read class-names file`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === "string")) {
      throw new KerasImportError("BAD_ARGUMENT", `${file}: expected a JSON array of strings`);
    }
    return parsed;
  }
  return trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function checkClassCount(classNames: string[], summary: ModelSummary): void {
  const output = summary.outputShapes[0];
  const units = output?.at(-1);
  if (summary.outputShapes.length === 1 && typeof units === "number" && units !== classNames.length) {
    throw new KerasImportError(
      "BAD_ARGUMENT",
      `${classNames.length} class names given but the model has ${units} outputs`,
    );
  }
}

async function replaceDir(from: string, to: string): Promise<void> {
  const existing = await stat(to).catch(() => undefined);
  if (!existing) {
    await rename(from, to);
    return;
  }
  if (!existing.isDirectory()) {
    throw new KerasImportError("BAD_ARGUMENT", `${to} exists and is not a folder`);
  }
  // Two renames keep the old model available until the new one is complete.
  const old = `${to}.old-${randomBytes(4).toString("hex")}`;
  await rename(to, old);
  try {
    await rename(from, to);
  } catch (error) {
    await rename(old, to);
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}
