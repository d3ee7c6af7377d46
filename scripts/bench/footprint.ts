/**
 * Where the daemon's memory goes: scripts/bench/footprint-probe.mjs loads the daemon's parts one by one in a fresh
 * process (main thread + vision worker, like the daemon) and reports the resident memory each part added.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { RgbImage } from "../../src/vision/types.ts";
import type { BenchBuild } from "./build.ts";

export interface FootprintResult {
  /** Resident memory each part added (MB), in load order; the first is the bare node process. */
  parts: { part: string; mb: number }[];
  /** libvips' operation cache at its highest in the worker (MB). */
  sharpCacheMb: number | null;
  /** The probe's own peak (it also loads tfjs, which the daemon does not by default). */
  peakMb: number;
}

export async function measureFootprint(o: {
  build: BenchBuild;
  frames: readonly RgbImage[];
  video: string;
  detector: string;
  workDir: string;
  /** Environment on top of the bench's (the unit's, as the daemon runs). */
  env: Record<string, string>;
}): Promise<FootprintResult> {
  if (o.build.kind !== "compiled") throw new Error("the footprint is measured on the compiled build");
  const { width, height } = o.frames[0];
  const raw = join(o.workDir, "footprint-frames.rgb");
  writeFileSync(raw, Buffer.concat(o.frames.map((f) => f.data)));
  const probe = join(dirname(fileURLToPath(import.meta.url)), "footprint-probe.mjs");
  const args = [probe, o.build.root, raw, String(width), String(height), o.video, o.detector];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    maxBuffer: 2 ** 20,
    timeout: 180_000,
    env: { ...process.env, ...o.env },
  });
  const last = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as FootprintResult;
}
