import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { ModelStoreError } from "../src/recognition/errors.ts";
import { readGalleryFor } from "../src/recognition/gallery-file.ts";
import {
  activateVersion,
  activeGalleryPath,
  activeHeadDir,
  activeVersionDir,
  listVersions,
  pruneVersions,
  readActiveMetadata,
  readMetadataFor,
  readPointer,
  rollback,
  stageVersion,
} from "../src/recognition/model-store.ts";
import { loadVersionHead } from "../src/recognition/version-head.ts";
import { trainAndStore } from "../src/training/train-run.ts";
import { fileSystemLoader } from "../src/vision/tfjs/fs-io.ts";
import { runOptions, syntheticDataset } from "./training-fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "facegate-store-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshStore = () => join(root, `store-${++n}`);

function fakeVersion(store: string, acc: number): string {
  const s = stageVersion(store);
  writeFileSync(join(s.dir, "gallery.json"), "{}");
  writeFileSync(join(s.dir, "metadata.json"), JSON.stringify({ metrics: { val_accuracy: acc } }));
  return s.commit();
}

test("an empty store has no active model", () => {
  const store = freshStore();
  assert.equal(readPointer(store), null);
  assert.equal(activeGalleryPath(store), null);
  assert.equal(activeHeadDir(store), null);
  assert.equal(readActiveMetadata(store), null);
  assert.throws(() => rollback(store), ModelStoreError);
});

test("versions activate atomically, roll back and forth, and prune keeps active and previous", () => {
  const store = freshStore();
  const a = fakeVersion(store, 0.9);
  const b = fakeVersion(store, 0.8);
  const c = fakeVersion(store, 0.7);
  assert.deepEqual(listVersions(store), [a, b, c].sort());
  assert.notEqual(a, b);
  activateVersion(store, a);
  activateVersion(store, c);
  assert.deepEqual([readPointer(store)?.version, readPointer(store)?.previous], [c, a]);
  assert.deepEqual(rollback(store), { from: c, to: a });
  assert.deepEqual([readPointer(store)?.version, readPointer(store)?.previous], [a, c]);
  assert.deepEqual(rollback(store), { from: a, to: c });
  assert.equal(activeGalleryPath(store), join(store, "versions", c, "gallery.json"));
  assert.deepEqual(pruneVersions(store, 0), [b]);
  assert.deepEqual(listVersions(store), [a, c].sort());
  assert.throws(() => activateVersion(store, "nope"), /no version nope/);
  // Only the pointer and the versions: no temporary files are left behind.
  assert.deepEqual(readdirSync(store).sort(), ["current.json", "versions"]);
});

test("a damaged pointer or a missing active version is a clear error", () => {
  const store = freshStore();
  const a = fakeVersion(store, 1);
  activateVersion(store, a);
  writeFileSync(join(store, "current.json"), "{trunc");
  assert.throws(() => activeGalleryPath(store), /not valid JSON/);
  activateVersion(store, a); // a damaged pointer is replaced by activation
  rmSync(join(store, "versions", a), { recursive: true });
  assert.throws(() => activeGalleryPath(store), /is missing/);
});

test("trainAndStore writes a complete, loadable version and activates it", async () => {
  const store = freshStore();
  const { dataset, people } = syntheticDataset({ people: 3, photos: 8, negatives: 6 });
  const r = await trainAndStore(dataset, people, runOptions(store));
  assert.equal(r.activated, true);
  assert.equal(readPointer(store)?.version, r.version);
  const meta = readActiveMetadata(store);
  assert.ok(meta);
  assert.deepEqual(meta.classes, ["person0", "person1", "person2", "__unknown__"]);
  assert.equal(meta.embedder, "synthetic-embedder");
  assert.ok((meta.metrics.val_accuracy ?? 0) >= 0.8, `val accuracy ${meta.metrics.val_accuracy}`);
  assert.ok(meta.thresholds.softmax >= 0.5 && meta.thresholds.softmax < 1);
  const gallery = readGalleryFor(activeGalleryPath(store) as string, "synthetic-embedder");
  assert.equal(gallery?.people.size, 3);
  const model = await tf.loadLayersModel(fileSystemLoader(activeHeadDir(store) as string));
  assert.deepEqual(model.outputs[0].shape, [null, 4]);
  assert.deepEqual(
    model.layers.map((l) => l.getClassName()),
    ["Dense", "Dropout", "BatchNormalization", "Dense"],
  );
  model.dispose();
  const active = activeVersionDir(store) as string;
  const head = await loadVersionHead(active, readMetadataFor(active, "synthetic-embedder"));
  const face = dataset.samples.find((s) => s.label === 1 && !s.augmented) as (typeof dataset.samples)[number];
  const named = head.decide(face.embedding, () => 0.99, "full");
  assert.equal(named.name, "person1");
  assert.equal(head.decide(face.embedding, () => 0.01, "full").reason, "low-similarity");
  head.dispose();
  assert.throws(() => readMetadataFor(active, "other-embedder"), /trained for embedder/);
  for (const f of ["report.json", "confusion.png", "curves.png"])
    assert.ok(existsSync(join(r.versionDir, "report", f)), f);
  const report = JSON.parse(readFileSync(join(r.versionDir, "report", "report.json"), "utf8"));
  assert.equal(report.history.length, meta.metrics.epochs_run);
});

test("a worse model is refused unless asked to activate anyway", async () => {
  const store = freshStore();
  const good = fakeVersion(store, 1.01); // better than any real model can be
  activateVersion(store, good);
  const { dataset, people } = syntheticDataset({ people: 2, photos: 5 });
  const r = await trainAndStore(dataset, people, runOptions(store, { refuseIfWorseBy: 0.005 }));
  assert.equal(r.activated, false);
  assert.equal(r.refused?.active, good);
  assert.equal(readPointer(store)?.version, good);
  assert.ok(listVersions(store).includes(r.version), "the refused version is kept for inspection");
});

test("--require-better on a store whose active metadata is damaged fails clearly instead of activating", async () => {
  const store = freshStore();
  const good = fakeVersion(store, 0.9);
  activateVersion(store, good);
  writeFileSync(join(store, "versions", good, "metadata.json"), "{ torn");
  const { dataset, people } = syntheticDataset({ people: 2, photos: 5 });
  await assert.rejects(
    trainAndStore(dataset, people, runOptions(store, { refuseIfWorseBy: 0.005 })),
    /cannot compare with the active model .*metadata\.json.*--force/,
  );
  assert.equal(readPointer(store)?.version, good, "the active model is unchanged");
  assert.deepEqual(listVersions(store), [good], "nothing was trained");
});

const CHILD = fileURLToPath(new URL("./training-child.ts", import.meta.url));

/** Runs the child trainer and sends `signal` once it has trained a few epochs. */
function killMidTraining(
  store: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, store], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!sent && /epoch 3\n/.test(out)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

test("training killed with SIGKILL or SIGTERM leaves the active model untouched", async () => {
  const stores = { SIGKILL: freshStore(), SIGTERM: freshStore() };
  const before: Record<string, string> = {};
  const active: Record<string, string> = {};
  for (const [signal, store] of Object.entries(stores)) {
    active[signal] = fakeVersion(store, 0.5);
    activateVersion(store, active[signal]);
    before[signal] = readFileSync(join(store, "current.json"), "utf8");
  }
  // Both children at once: each spends most of its time starting up.
  const [killed, terminated] = await Promise.all([
    killMidTraining(stores.SIGKILL, "SIGKILL"),
    killMidTraining(stores.SIGTERM, "SIGTERM"),
  ]);
  assert.match(terminated.out, /interrupted/);
  for (const [signal, r] of [
    ["SIGKILL", killed],
    ["SIGTERM", terminated],
  ] as const) {
    const store = stores[signal];
    assert.match(r.out, /epoch 3/);
    assert.doesNotMatch(r.out, /finished/);
    assert.notEqual(r.code, 0);
    assert.equal(readFileSync(join(store, "current.json"), "utf8"), before[signal]);
    assert.deepEqual(listVersions(store), [active[signal]]);
    // A kill -9 leaves its staging folder; the next training removes it.
    const staged = readdirSync(store).filter((f) => f.startsWith(".staging-"));
    assert.equal(staged.length, signal === "SIGKILL" ? 1 : 0, signal);
    stageVersion(store).abort();
    assert.deepEqual(
      readdirSync(store).filter((f) => f.startsWith(".staging-")),
      [],
    );
  }
});
