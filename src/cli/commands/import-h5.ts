import { parseArgs } from "node:util";
import type { ModelSummary } from "../../training/keras/convert.ts";
import { KerasImportError } from "../../training/keras/errors.ts";
import { importKerasH5 } from "../../training/keras/import-h5.ts";
import { ClassNamesError } from "../../vision/errors.ts";
import { readClassNames } from "../../vision/face-classifier/class-names.ts";

const USAGE = "usage: facegate import-h5 <model.h5> <outdir> [--class-names <file>]";

/**
 * `facegate import-h5 <model.h5> <outdir> [--class-names <file>]`: converts a Keras `.h5` model to
 * TF.js layers-model files. Returns the process exit code (0 ok, 1 import failed, 2 bad usage).
 */
export async function runImportH5(argv: string[]): Promise<number> {
  let positionals: string[];
  let classNamesFile: string | undefined;
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { "class-names": { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (parsed.values.help) {
      console.log(USAGE);
      return 0;
    }
    positionals = parsed.positionals;
    classNamesFile = parsed.values["class-names"];
  } catch (error) {
    console.error(`import-h5: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (positionals.length !== 2) {
    console.error(`import-h5: expected <model.h5> and <outdir>\n${USAGE}`);
    return 2;
  }
  const [h5Path, outDir] = positionals;
  try {
    const classNames = classNamesFile ? await readClassNames(classNamesFile) : undefined;
    const result = await importKerasH5(h5Path, outDir, { classNames });
    console.log(formatSummary(result.summary, result.kerasVersion, result.outDir, classNames));
    return 0;
  } catch (error) {
    if (error instanceof KerasImportError || error instanceof ClassNamesError) {
      console.error(`import-h5: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function formatSummary(s: ModelSummary, kerasVersion: string, outDir: string, classNames?: string[]): string {
  const shapes = (list: (number | null)[][]) =>
    list.map((shape) => `[${shape.map((d) => d ?? "batch").join(", ")}]`).join(" ");
  return [
    `imported ${s.name} (Keras ${kerasVersion || "unknown"}) -> ${outDir}`,
    `  layers: ${s.layers}`,
    `  params: ${s.params.toLocaleString("en-US")}`,
    `  input:  ${shapes(s.inputShapes)}`,
    `  output: ${shapes(s.outputShapes)}`,
    ...(classNames ? [`  classes: ${classNames.join(", ")}`] : []),
  ].join("\n");
}
