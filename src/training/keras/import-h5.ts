import { randomBytes } from "node:crypto";
import { rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileSystemSaver } from "../../vision/tfjs/fs-io.ts";
import { loadKerasH5, type ModelSummary } from "./convert.ts";
import { KerasImportError } from "./errors.ts";

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
