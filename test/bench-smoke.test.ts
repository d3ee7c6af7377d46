// Smoke test of `npm run bench`: the smallest run (--smoke: two people, 1.5 s videos, the real daemon against a
// real mosquitto, the peer's speed on one frame) must finish and write every key of the JSON. Speed itself is
// the benchmark's business, never asserted here.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "./daemon-support.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";

const KEYS = [
  "fps_1face",
  "fps_4faces",
  "event_latency_ms_p95",
  "rss_mb",
  "detect_ms_p50",
  "embed_ms_p50",
  "peer_fps_1face",
  "speedup_vs_peer",
  "detector",
  "build",
  "startup_ms",
  "cpu_ms_per_frame_1face",
  "rss_parts_mb",
] as const;

test("bench --quick --smoke writes the JSON with every key", {
  skip: sharedDataDir() ? false : NO_SHARED_DATA,
  timeout: 240_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-bench-smoke-"));
  try {
    const out = join(dir, "bench.json");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(ROOT, "scripts", "bench.ts"), "--quick", "--smoke", "--json", out],
      { cwd: ROOT, maxBuffer: 16 * 2 ** 20 },
    );
    assert.match(stdout, /\| end-to-end fps, 1 face/);
    const json = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
    for (const key of KEYS) assert.ok(key in json, `missing ${key}`);
    for (const key of ["detect_ms_p50", "embed_ms_p50", "peer_fps_1face", "startup_ms"] as const)
      assert.equal(typeof json[key], "number", `${key} is a number`);
    // What users run: the default detector on the compiled build.
    assert.equal(json.detector, "cascade");
    assert.equal(json.build, "compiled");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
