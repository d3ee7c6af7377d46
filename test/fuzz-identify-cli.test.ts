/**
 * A batch of damaged, mislabelled and odd files through the real `facegate identify --json` command line: it
 * prints exactly one line per input, in order, each a result or an error, never crashes, never hangs, and exits
 * 1 because some inputs failed. FACEGATE_FUZZ_CLI_COUNT sets the batch size (default 400).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Gallery } from "../src/recognition/gallery.ts";
import { writeGalleryFile } from "../src/recognition/gallery-file.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { HAVE_MODELS, jsonLines, REPO_ROOT } from "./helpers/cli.ts";
import { baseImages, errorKind, fuzzCases } from "./helpers/fuzz.ts";

const COUNT = Number(process.env.FACEGATE_FUZZ_CLI_COUNT ?? 400);
const SEED = Number(process.env.FACEGATE_FUZZ_SEED ?? 20240611) + 1;
/** Far above what the batch needs; only a hang reaches it. */
const RUN_DEADLINE_MS = 300_000;

function identify(args: string[]): Promise<{
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "facegate.js"), "identify", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, FACEGATE_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, RUN_DEADLINE_MS);
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

test(`facegate identify --json on ${COUNT} damaged files: one line per input, no crash`, {
  skip: HAVE_MODELS ? false : "models/ absent: run npm ci",
}, async () => {
  const work = mkdtempSync(join(tmpdir(), "facegate-fuzz-cli-"));
  // An empty gallery for the configured embedder: every face is unknown, which is all this test needs.
  const vision = new VisionClient({});
  await vision.start();
  const gallery = join(work, "gallery.json");
  writeGalleryFile(gallery, new Gallery(vision.embedderId, vision.embedderDim));
  await vision.stop();

  const bases = await baseImages();
  const inputs: string[] = [];
  let i = 0;
  for (const c of fuzzCases(bases, COUNT, SEED)) {
    const file = join(work, `case-${String(i++).padStart(5, "0")}${c.ext ? `.${c.ext}` : ""}`);
    writeFileSync(file, c.bytes);
    inputs.push(file);
  }
  // Odd paths among the files: missing, a folder without images, a folder with one image.
  const empty = join(work, "empty-folder");
  mkdirSync(empty);
  const folder = join(work, "folder");
  mkdirSync(folder);
  writeFileSync(join(folder, "inside.png"), bases[5].bytes);
  inputs.splice(3, 0, join(work, "does-not-exist.jpg"), empty, folder);
  const expectedFiles = inputs.map((p) => (p === folder ? join(folder, "inside.png") : p));

  const r = await identify([...inputs, "--gallery", gallery, "--json"]);
  rmSync(work, { recursive: true, force: true });
  assert.equal(r.timedOut, false, "identify finished before the deadline");
  assert.equal(r.signal, null, `not killed by a signal: ${r.stderr.slice(-500)}`);
  assert.equal(r.code, 1, `exit code 1 (some inputs failed): ${r.stderr.slice(-500)}`);
  assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace on stderr");

  const printed = r.stdout.split("\n").filter((l) => l.length > 0);
  const lines = jsonLines(r.stdout);
  assert.equal(printed.length, lines.length, "every printed line is JSON");
  assert.deepEqual(
    lines.map((l) => l.file),
    expectedFiles,
    "one line per input, in the order given",
  );
  const kinds = new Map<string, number>();
  for (const l of lines) {
    const ok = Array.isArray(l.faces);
    const err = typeof l.error === "string" && l.error.length > 0;
    assert.ok(ok !== err, `exactly one of faces/error: ${JSON.stringify(l).slice(0, 200)}`);
    const kind = ok ? "identified" : errorKind(l.error as string);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  console.log(
    `fuzz-identify-cli: ${JSON.stringify({ inputs: inputs.length, kinds: Object.fromEntries(kinds) })}`,
  );
});
