/**
 * `npm ci` must print no warning of ours on npm 10 and 11, run our own postinstall (models) and prepare (build),
 * and never run onnxruntime-node's install script (on linux-x64 it downloads CUDA libraries from NuGet; offline it
 * fails the install). How, per npm version (README, "Install"):
 * - npm 11: `allowScripts` in package.json denies the dependency scripts we do not need; one that is not listed
 *   is skipped with a warning, so every dependency with an install script must be listed.
 * - npm 10 has no per-package switch (only ignore-scripts, which would skip ours too). `npm ci` runs a
 *   dependency's install script only when the lockfile entry says `hasInstallScript`, so onnxruntime-node's
 *   entry must not say so. `npm install` of a new onnxruntime-node version writes the flag again: remove it.
 * - no custom .npmrc key: npm 11 warns about unknown project config and the next major drops it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import semver from "semver";
import { ROOT } from "./daemon-support.ts";

interface LockEntry {
  version?: string;
  hasInstallScript?: boolean;
  engines?: { node?: string };
}

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const nameOf = (location: string) =>
  location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);

describe("install without our warnings (npm 10 and 11)", () => {
  it("our postinstall fetches the models and prepare builds", () => {
    assert.equal(pkg.scripts.postinstall, "node scripts/fetch-models.mjs");
    assert.equal(pkg.scripts.prepare, "npm run build");
    assert.match(pkg.scripts.build, /^tsc -p tsconfig\.json && node scripts\/build-ui\.mjs$/);
  });

  it("npm 11: allowScripts decides for every dependency with an install script; onnxruntime-node is denied", () => {
    const allow = pkg.allowScripts ?? {};
    assert.equal(allow["onnxruntime-node"], false);
    const withScripts = Object.entries(lock.packages)
      .filter(([location, entry]) => location && entry.hasInstallScript)
      .map(([location]) => nameOf(location));
    for (const name of withScripts)
      assert.ok(
        name in allow,
        `${name} has an install script: add it to allowScripts (npm install-scripts deny ${name})`,
      );
  });

  it("npm 10: the lockfile lets npm ci skip onnxruntime-node's install script", () => {
    const ort = lock.packages["node_modules/onnxruntime-node"];
    assert.ok(ort?.version, "onnxruntime-node is in the lockfile");
    assert.equal(
      ort.hasInstallScript,
      undefined,
      'remove "hasInstallScript": true from node_modules/onnxruntime-node in package-lock.json (npm 10 would run its CUDA download)',
    );
  });

  it("every installed package supports Node 20 (npm would warn EBADENGINE, and it may not run)", () => {
    const node20 = "20.19.0";
    const refusing = Object.entries(lock.packages)
      .filter(([location, entry]) => location && typeof entry.engines?.node === "string")
      .filter(
        ([, entry]) => !semver.satisfies(node20, entry.engines?.node ?? "*", { includePrerelease: true }),
      )
      .map(([location, entry]) => `${nameOf(location)}@${entry.version} wants node ${entry.engines?.node}`);
    assert.deepEqual(refusing, [], "pin these to versions that run on Node 20 (package.json overrides)");
  });

  it(".npmrc holds only keys npm knows", () => {
    const keys = readFileSync(join(ROOT, ".npmrc"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#") && !l.startsWith(";"))
      .map((l) => l.split("=")[0].trim());
    const known = spawnSync("npm", ["config", "ls", "--json", "-l"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(known.status, 0, known.stderr);
    const definitions = JSON.parse(known.stdout) as Record<string, unknown>;
    for (const key of keys) assert.ok(key in definitions, `.npmrc: ${key} is not an npm setting`);
    assert.doesNotMatch(known.stderr, /Unknown (project|user|env) config/);
  });
});
