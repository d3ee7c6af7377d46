import { spawnSync } from "node:child_process";
import { existsSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { type CheckResult, fail, ok, warn } from "./check.ts";

/** Node 20 is what package.json's engines promise and CI runs. */
const MIN_NODE_MAJOR = 20;
/** Below this the gallery, outbox and snapshots may fail to write; below the second, a warning. */
const MIN_FREE_BYTES = 200 * 1024 ** 2;
const LOW_FREE_BYTES = 1024 ** 3;

export function checkNode(version = process.versions.node): CheckResult {
  const major = Number(version.split(".")[0]);
  if (major >= MIN_NODE_MAJOR) return ok("node", `v${version}`);
  return fail(
    "node",
    `v${version} is too old (needs ${MIN_NODE_MAJOR} or newer)`,
    "install Node.js 20 from your distribution or the NodeSource apt repository",
  );
}

/** onnxruntime-node ships x64 and arm64 builds only. */
export function checkArch(arch: string = process.arch): CheckResult {
  if (arch === "x64" || arch === "arm64") return ok("arch", arch);
  if (arch === "arm")
    return fail(
      "arch",
      "32-bit ARM is not supported (onnxruntime-node has arm64 and x64 builds only)",
      "install a 64-bit OS (Raspberry Pi OS 64-bit on a Pi 3/4/5 or Zero 2)",
    );
  return fail(
    "arch",
    `${arch} is not supported (onnxruntime-node has arm64 and x64 builds only)`,
    "use an x64 or arm64 machine",
  );
}

export function checkModels(dir: string, problems: string[]): CheckResult {
  if (problems.length === 0) return ok("models", `all present, sha256 verified (${dir})`);
  return fail(
    "models",
    `missing or corrupt in ${dir}: ${problems.join(", ")}`,
    "npx facegate models fetch (needs the npm registry once)",
  );
}

/** The first line of `<tool> -version`, or null when it cannot run. */
export function toolVersion(tool: string): string | null {
  const r = spawnSync(tool, ["-version"], { encoding: "utf8", timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split("\n")[0].trim();
}

export function checkFfmpeg(version: string | null = toolVersion("ffmpeg")): CheckResult {
  if (!version)
    return fail("ffmpeg", "not found on PATH (cameras are read through ffmpeg)", "sudo apt install ffmpeg");
  const short = /ffmpeg version (\S+)/.exec(version)?.[1] ?? version;
  return ok("ffmpeg", short);
}

/** The nearest folder of `path` that exists (a gallery's folder may not exist until the first enroll). */
export function existingAncestor(path: string): string {
  let dir = path;
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
  return dir;
}

export function checkDisk(path: string): CheckResult {
  const where = existingAncestor(path);
  let free: number;
  try {
    const s = statfsSync(where);
    free = s.bavail * s.bsize;
  } catch (err) {
    return warn("free disk", `cannot tell for ${where} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const text = `${(free / 1024 ** 3).toFixed(1)} GiB free on ${where}`;
  if (free < MIN_FREE_BYTES)
    return fail("free disk", text, "free some space: the gallery, outbox and snapshots are written there");
  if (free < LOW_FREE_BYTES) return warn("free disk", text, "snapshots.retention_days lower, or more space");
  return ok("free disk", text);
}
