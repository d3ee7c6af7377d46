#!/usr/bin/env node
// Runs the compiled CLI (dist/) when it has been built (`npm run build`, done by `npm ci` through `prepare`),
// otherwise the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist", "cli", "index.js");
if (existsSync(compiled) && !process.env.FACEGATE_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src", "cli", "index.ts")).href);
}
