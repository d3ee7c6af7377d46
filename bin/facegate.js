#!/usr/bin/env node
// Runs the TypeScript sources through tsx when tsx is installed (a development checkout: never a stale build),
// otherwise the compiled CLI in dist/ (a production install: `npm run build`, then `npm prune --omit=dev`).
// FACEGATE_USE_DIST=1 forces dist/, FACEGATE_FROM_SOURCE=1 forces the sources.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist", "cli", "index.js");

function tsxAvailable() {
  try {
    createRequire(import.meta.url).resolve("tsx/esm/api");
    return existsSync(join(root, "src", "cli", "index.ts"));
  } catch {
    return false;
  }
}

const fromSource =
  process.env.FACEGATE_FROM_SOURCE === "1" || (process.env.FACEGATE_USE_DIST !== "1" && tsxAvailable());
if (!fromSource && existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else if (fromSource || tsxAvailable()) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src", "cli", "index.ts")).href);
} else {
  console.error(
    "facegate: dist/ is missing and tsx is not installed; run `npm run build` in the package folder",
  );
  process.exit(1);
}
