/**
 * Which build the benchmark runs: the compiled one (`dist/`, what `npm ci` builds and a deployment runs; the
 * default) or the TypeScript sources through tsx (`--from-source`; tsx's loader threads add ~30 MB to the daemon).
 * The daemon, the vision worker used for full-frame analysis and the per-stage models all come from the same one.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface BenchBuild {
  kind: "compiled" | "source";
  /** Folder holding cli/, vision/, … (dist/ or src/). */
  root: string;
  /** The daemon's entry: `<root>/cli/index.js`, or `bin/facegate.js` from source. */
  entry: string;
  /** Environment the daemon needs on top of the bench's own. */
  env: Record<string, string>;
}

export function chooseBuild(repoRoot: string, fromSource: boolean, dist = "dist"): BenchBuild {
  if (fromSource) {
    return {
      kind: "source",
      root: join(repoRoot, "src"),
      entry: join(repoRoot, "bin", "facegate.js"),
      env: { FACEGATE_FROM_SOURCE: "1" },
    };
  }
  const root = resolve(repoRoot, dist);
  const entry = join(root, "cli", "index.js");
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`npm run build\` first (or bench --from-source)`);
  return { kind: "compiled", root, entry, env: {} };
}

/** Imports `<root>/<rel>` with the build's extension (`vision/factory` → dist/vision/factory.js). */
export function loadModule<T>(build: BenchBuild, rel: string): Promise<T> {
  const file = join(build.root, `${rel}${build.kind === "compiled" ? ".js" : ".ts"}`);
  return import(pathToFileURL(file).href) as Promise<T>;
}
