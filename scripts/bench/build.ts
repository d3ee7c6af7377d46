/**
 * Which build the benchmark runs: the compiled one (`dist/`, what `npm ci` builds and a deployment runs; the
 * default) or the TypeScript sources through tsx (`--from-source`; tsx's loader threads add ~30 MB to the daemon).
 * The daemon, the vision worker used for full-frame analysis and the per-stage models all come from the same one.
 */
import { existsSync, readFileSync } from "node:fs";
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

/**
 * The environment deploy/facegate.service gives the daemon (its `Environment=` lines; the Docker image sets the
 * same): the benchmark runs the daemon as it is deployed.
 */
export function deployedEnv(repoRoot: string): Record<string, string> {
  const unit = readFileSync(join(repoRoot, "deploy", "facegate.service"), "utf8");
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) env[m[1]] = m[2].trim();
  return env;
}
