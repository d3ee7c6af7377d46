import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { activeVersionDir, readPointer } from "../src/recognition/model-store.ts";
import { writeDatasetNpz } from "../src/training/npz.ts";
import { embedderIdFor } from "../src/vision/factory.ts";
import { syntheticDataset } from "./training-fixtures.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "retrain.sh");
const EMBEDDER = join(ROOT, "models", "fr_feature.onnx");
const hasFlock = existsSync("/usr/bin/flock") || existsSync("/bin/flock");
const skip = !existsSync(EMBEDDER)
  ? "models/ are not fetched (npm install fetches them)"
  : !hasFlock
    ? "flock (util-linux) is not installed"
    : false;

const dir = mkdtempSync(join(tmpdir(), "facegate-retrain-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const config = join(dir, "facegate.yaml");
const store = join(dir, "models");
const npz = join(dir, "faces.npz");

function retrain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      [SCRIPT, ...args],
      {
        env: {
          ...process.env,
          FACEGATE_FROM_SOURCE: "1",
          FACEGATE_BIN: `${process.execPath} ${join(ROOT, "bin", "facegate.js")}`,
          FACEGATE_SERVICE: "facegate-test-no-such-unit",
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// Fast training: embeddings of the configured embedder's id come from the .npz, so no photo is analysed.
const TRAIN = ["--", "--from-npz", npz, "--epochs", "15", "--seed", "3"];

test("setup: config with a training section and a dataset", { skip }, () => {
  writeFileSync(
    config,
    "gallery: ./gallery\ntraining:\n  people: ./people\n  store: ./models\ncameras:\n  door: { source: /dev/video0 }\n",
  );
  const { dataset } = syntheticDataset({ people: 3, photos: 5, dim: 512 });
  writeDatasetNpz(npz, { ...dataset, embedderId: embedderIdFor(EMBEDDER) });
});

test("retrain trains, activates and signals the daemon by its pid file", { skip }, async () => {
  const hupFile = join(dir, "hup");
  const daemon = spawn("bash", ["-c", `trap 'echo hup > ${hupFile}' HUP; while :; do sleep 0.1; done`]);
  children.push(daemon);
  const pidFile = join(dir, "facegate.pid");
  writeFileSync(pidFile, `${daemon.pid}\n`);
  await new Promise((r) => setTimeout(r, 200)); // let bash install its trap
  const r = await retrain(["--config", config, "--pid-file", pidFile, ...TRAIN]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readPointer(store));
  assert.match(r.stdout, /reloaded: SIGHUP to pid/);
  for (let i = 0; i < 50 && !existsSync(hupFile); i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(readFileSync(hupFile, "utf8").trim(), "hup");
  daemon.kill("SIGKILL");
});

test("retrain refuses a model that validates worse (exit 3)", { skip }, async () => {
  const activeDir = activeVersionDir(store) as string;
  const metaPath = join(activeDir, "metadata.json");
  const meta = JSON.parse(readFileSync(metaPath, "utf8"));
  meta.metrics.val_accuracy = 1.5; // no new model can match it
  writeFileSync(metaPath, JSON.stringify(meta));
  const before = readPointer(store)?.version;
  const refused = await retrain(["--config", config, "--no-reload", ...TRAIN]);
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /NOT activated/);
  assert.equal(readPointer(store)?.version, before);
});

test("retrain exits 4 while another retraining holds the lock", { skip }, async () => {
  // The holder keeps the lock in its own process (exec), so killing it releases the lock.
  const holder = spawn("bash", [
    "-c",
    `exec 9>>"${join(store, ".retrain.lock")}"; flock 9; echo locked; exec sleep 30`,
  ]);
  children.push(holder);
  await new Promise((r) => holder.stdout?.once("data", r));
  const r = await retrain(["--config", config, ...TRAIN]);
  holder.kill("SIGKILL");
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /another retraining/);
});

test("retrain reports failed training (exit 1) and usage errors (exit 2)", { skip }, async () => {
  const before = readPointer(store)?.version;
  const failed = await retrain(["--config", config, "--", "--from-npz", join(dir, "missing.npz")]);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /active model is unchanged/);
  assert.equal(readPointer(store)?.version, before);
  assert.equal((await retrain(["--bogus"])).code, 2);
  assert.equal((await retrain(["--config", join(dir, "absent.yaml")])).code, 2);
});
