import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { readGalleryFor } from "../src/recognition/gallery-file.ts";
import {
  activeGalleryPath,
  listVersions,
  readActiveMetadata,
  readPointer,
} from "../src/recognition/model-store.ts";
import { readDatasetNpz } from "../src/training/npz.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LFW = join(ROOT, "..", "shared", "data", "lfw-dev");
const skip = !existsSync(join(LFW, "manifest.tsv"))
  ? "../shared/data/lfw-dev is not here (a fresh checkout has no ../shared)"
  : !existsSync(join(ROOT, "models", "fr_feature.onnx"))
    ? "models/ are not fetched (npm install fetches them)"
    : false;

const dir = mkdtempSync(join(tmpdir(), "facegate-train-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function facegate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "facegate.js"), ...args],
      { env: { ...process.env, FACEGATE_FROM_SOURCE: "1" }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Two people × 3 photos and 2 strangers from lfw-dev's enroll/unknown roles, copied to a temp folder. */
function makeInputs(): { people: string; negatives: string } {
  const rows = readFileSync(join(LFW, "manifest.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"));
  const people = join(dir, "people");
  const negatives = join(dir, "never");
  const ids = [...new Set(rows.filter((r) => r[2] === "enroll").map((r) => r[0]))].slice(0, 2);
  for (const id of ids) {
    mkdirSync(join(people, id), { recursive: true });
    for (const r of rows.filter((x) => x[0] === id && x[2] === "enroll").slice(0, 3))
      copyFileSync(join(LFW, r[1]), join(people, id, r[1].split("/").pop() as string));
  }
  mkdirSync(negatives, { recursive: true });
  for (const r of rows.filter((x) => x[2] === "unknown" && x[3] === "0").slice(0, 2))
    copyFileSync(join(LFW, r[1]), join(negatives, r[1].split("/").pop() as string));
  return { people, negatives };
}

test("facegate train builds a version from photos, exports .npz, retrains from it, rolls back", {
  skip,
}, async () => {
  const { people, negatives } = makeInputs();
  const store = join(dir, "store");
  const npz = join(dir, "faces.npz");
  const common = ["--augment", "1", "--masked-copies", "1", "--epochs", "30", "--seed", "5", "--json"];
  const first = await facegate([
    "train",
    people,
    "--out",
    store,
    "--negatives",
    negatives,
    "--export-npz",
    npz,
    ...common,
  ]);
  assert.equal(first.code, 0, first.stderr);
  const summary = JSON.parse(first.stdout);
  assert.equal(summary.activated, true);
  assert.equal(summary.people, 2);
  const meta = readActiveMetadata(store);
  assert.ok(meta);
  assert.match(meta.data_hash, /^[0-9a-f]{64}$/);
  assert.ok(meta.embedder.startsWith("fr_feature-"));
  const report = JSON.parse(readFileSync(join(summary.report, "report.json"), "utf8"));
  assert.equal(report.per_person.length, 2);
  assert.ok(report.per_person.every((p: { used: number }) => p.used >= 2));
  assert.ok(existsSync(join(summary.report, "confusion.png")));
  const gallery = readGalleryFor(activeGalleryPath(store) as string, meta.embedder);
  assert.equal(gallery?.people.size, 2);

  const ds = await readDatasetNpz(npz);
  assert.equal(ds.names.length, 2);
  assert.ok(
    ds.samples.some((s) => s.label === -1),
    "negatives are in the archive",
  );
  assert.ok(ds.samples.some((s) => s.augmented));

  const second = await facegate(["train", "--from-npz", npz, "--out", store, ...common]);
  assert.equal(second.code, 0, second.stderr);
  const v2 = JSON.parse(second.stdout).version;
  assert.equal(readPointer(store)?.version, v2);
  assert.equal(listVersions(store).length, 2);

  const back = await facegate(["rollback", "--store", store, "--json"]);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(JSON.parse(back.stdout), { from: v2, to: summary.version });
  assert.equal(readPointer(store)?.version, summary.version);
});

test("facegate train explains a wrong command line", async () => {
  const r = await facegate(["train", join(dir, "nowhere")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--out/);
});
