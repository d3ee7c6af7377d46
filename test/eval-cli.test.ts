import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import sharp from "sharp";
import { main } from "../src/cli/main.ts";
import type { EvalReport } from "../src/evaluation/report.ts";

const LFW = resolve("../shared/data/lfw-dev");
const MANIFEST = join(LFW, "manifest.tsv");
const CALIBRATION = resolve("weights/calibration.json");
const MODELS = resolve("models/fr_feature.onnx");
const skip = !existsSync(MANIFEST)
  ? "../shared/data/lfw-dev is absent (a fresh checkout has no shared data)"
  : !existsSync(MODELS)
    ? "models/ not fetched (npm install fetches them)"
    : !existsSync(CALIBRATION)
      ? "weights/calibration.json is absent (run scripts/calibrate.ts)"
      : false;

const dir = mkdtempSync(join(tmpdir(), "facegate-eval-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 5 enrolled people (all their enroll photos, 2 probes each, masked copies too) and 6 strangers. */
function tinyManifest(): string {
  const lines = readFileSync(MANIFEST, "utf8").trim().split("\n");
  const rows = lines.slice(1).map((l) => l.split("\t"));
  const people = [...new Set(rows.filter((r) => r[2] === "enroll").map((r) => r[0]))].slice(0, 5);
  const strangers = [...new Set(rows.filter((r) => r[2] === "unknown").map((r) => r[0]))].slice(0, 6);
  const probeCount = new Map<string, number>();
  const keep = rows.filter((r) => {
    if (r[2] === "enroll") return people.includes(r[0]);
    if (r[2] === "unknown") return strangers.includes(r[0]);
    if (!people.includes(r[0])) return false;
    // the first two probe photos of each person, with their masked copies (masked/<Name>/<photo>__<style>.jpg)
    const photo =
      r[1]
        .split("/")
        .at(-1)
        ?.replace(/__[^.]+(\.\w+)$/, "$1") ?? r[1];
    const key = `${r[0]}|${photo}`;
    if (!probeCount.has(key)) {
      if ([...probeCount.keys()].filter((k) => k.startsWith(`${r[0]}|`)).length >= 2) return false;
      probeCount.set(key, 1);
    }
    return true;
  });
  const path = join(dir, "manifest.tsv");
  // Absolute paths: the manifest lives in a temporary folder, the images stay in ../shared.
  writeFileSync(
    path,
    `${lines[0]}\n${keep.map((r) => [r[0], join(LFW, r[1]), ...r.slice(2)].join("\t")).join("\n")}\n`,
  );
  return path;
}

test("facegate eval on a tiny lfw-dev subset writes JSON and readable plots", { skip }, async () => {
  const manifest = tinyManifest();
  const json = join(dir, "report.json");
  const plots = join(dir, "plots");
  const printed: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void printed.push(a.join(" "));
  let code: number;
  try {
    code = await main([
      "eval",
      "--manifest",
      manifest,
      "--json",
      json,
      "--plots",
      plots,
      "--split",
      "all",
      "--cache",
      join(dir, "cache.bin"),
    ]);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0);
  const report = JSON.parse(readFileSync(json, "utf8")) as EvalReport;
  assert.equal(report.gallerySize, 5);
  assert.equal(report.split, "all");
  assert.deepEqual(
    report.conditions.map((c) => c.condition),
    ["unmasked", "masked"],
  );
  const unmasked = report.conditions[0];
  assert.equal(unmasked.probes, 10);
  assert.equal(report.conditions[1].probes, 10);
  assert.equal(unmasked.falseAccepts.all.strangers, 6);
  assert.equal(
    unmasked.falseAccepts.A.strangers + unmasked.falseAccepts.B.strangers,
    unmasked.falseAccepts.all.strangers,
  );
  // Five well-photographed people: the unmasked probes are nearly all named (not a benchmark, a smoke check).
  assert.ok(unmasked.identificationRate >= 0.7, `unmasked ID ${unmasked.identificationRate}`);
  assert.ok(report.thresholds.full > 0 && report.thresholds.full < 1);
  assert.match(printed.join("\n"), /\| identified correctly|\*\*identified correctly\*\*/);
  for (const name of ["roc.png", "confusion-unmasked.png", "confusion-masked.png"]) {
    const meta = await sharp(join(plots, name)).metadata();
    assert.equal(meta.format, "png");
    assert.ok((meta.width ?? 0) >= 600 && (meta.height ?? 0) >= 300, `${name} ${meta.width}×${meta.height}`);
  }
});

test("facegate eval refuses a bad --split", async () => {
  const err = console.error;
  console.error = () => {};
  try {
    assert.equal(await main(["eval", "--manifest", "x.tsv", "--split", "C"]), 2);
  } finally {
    console.error = err;
  }
});
