import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { readGalleryFile } from "../src/recognition/gallery-file.ts";
import {
  activeGalleryPath,
  listVersions,
  readActiveMetadata,
  readPointer,
} from "../src/recognition/model-store.ts";
import { envNumber } from "./fault-support.ts";
import { HAVE_MODELS, REPO_ROOT } from "./helpers/cli.ts";
import { tempDir } from "./helpers/temp-dir.ts";
import { NO_SHARED_DATA, sharedDataDir } from "./helpers/video.ts";

const data = sharedDataDir();
const skip = !data
  ? NO_SHARED_DATA
  : !HAVE_MODELS
    ? "models/ are not fetched (npm install fetches them)"
    : false;
/**
 * Kills per loop: 8 for enroll, 4 for train (a training run takes ~15 s on a loaded CI machine);
 * FACEGATE_POWER_CUTS=30 sets both, for a longer run.
 */
const ENROLL_CUTS = envNumber("FACEGATE_POWER_CUTS", 8);
const TRAIN_CUTS = envNumber("FACEGATE_POWER_CUTS", 4);

/** `facegate <args>` from source, as a child we can kill at any moment. */
function facegate(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }>;
} {
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "facegate.js"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, FACEGATE_FROM_SOURCE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const done = once(child, "close").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
    stdout,
    stderr,
  }));
  return { child, done };
}

/** Runs to the end; returns its result and how long it took. */
async function complete(args: string[]) {
  const started = Date.now();
  const r = await facegate(args).done;
  assert.equal(r.code, 0, r.stderr);
  return { ...r, ms: Date.now() - started };
}

/** Runs and SIGKILLs (a power cut, as far as the files are concerned) after `delayMs`, unless done by then. */
async function cutAfter(args: string[], delayMs: number, signal: NodeJS.Signals = "SIGKILL") {
  const { child, done } = facegate(args);
  const timer = setTimeout(() => child.kill(signal), delayMs);
  const r = await done;
  clearTimeout(timer);
  return r;
}

/** Two people × 3 photos from lfw-dev's `enroll` role, copied to a temporary folder (never into the repo). */
function peopleFolder(dir: string): string {
  const rows = readFileSync(join(data as string, "lfw-dev", "manifest.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"));
  const people = join(dir, "people");
  const ids = [...new Set(rows.filter((r) => r[2] === "enroll").map((r) => r[0]))].slice(0, 2);
  for (const id of ids) {
    mkdirSync(join(people, id), { recursive: true });
    for (const r of rows.filter((x) => x[0] === id && x[2] === "enroll" && x[3] === "0").slice(0, 3))
      copyFileSync(join(data as string, "lfw-dev", r[1]), join(people, id, basename(r[1])));
  }
  return people;
}

const temporaries = (folder: string) => readdirSync(folder).filter((f) => f.endsWith(".tmp"));
/** Random delay in [lo, hi) of a full run's duration: most kills land late, where the files are written. */
const randomDelay = (fullMs: number) => Math.round(fullMs * (0.3 + Math.random() * 0.8));

/**
 * Power cuts: `facegate enroll` and `facegate train` are SIGKILLed at random moments, CUTS times each. After
 * every kill the active gallery (and the model store's active version) is read with the real readers and must
 * be a complete, valid version; temporary files must not pile up. Then SIGTERM during training: a clean,
 * documented exit and the store pointer unchanged.
 */
describe("power cut during enroll and train", { skip }, () => {
  const dir = tempDir("facegate-fault-power-");

  it(`enroll killed ${ENROLL_CUTS} times at random points: the gallery is always a complete version`, async (t) => {
    const people = peopleFolder(dir);
    const state = join(dir, "state");
    const gallery = join(state, "gallery");
    const first = await complete(["enroll", people, "--gallery", gallery, "--json"]);
    const valid = readGalleryFile(gallery);
    assert.equal(valid?.people.size, 2);
    const outcomes: string[] = [];
    for (let i = 0; i < ENROLL_CUTS; i++) {
      const delay = randomDelay(first.ms);
      const r = await cutAfter(["enroll", people, "--gallery", gallery, "--json"], delay);
      outcomes.push(`${delay}ms:${r.signal ?? r.code}`);
      const g = readGalleryFile(gallery); // throws on a truncated or mixed file
      assert.equal(g?.people.size, 2, `after cut ${i + 1} the gallery is complete`);
      if (existsSync(`${gallery}.prev`)) assert.equal(readGalleryFile(`${gallery}.prev`)?.people.size, 2);
      // At most the one temporary file of the run just killed; the next write removes it.
      assert.ok(temporaries(state).length <= 1, `temporary files: ${temporaries(state).join(", ")}`);
    }
    t.diagnostic(`enroll: full run ${first.ms} ms; cuts (delay:outcome) ${outcomes.join(" ")}`);
    // A temporary file left by a writer that died (a pid that no longer runs) is removed by the next write.
    const dead = spawn(process.execPath, ["-e", ""]);
    await once(dead, "exit");
    writeFileSync(join(state, `.gallery.${dead.pid}.${Date.now()}.tmp`), "half a gallery");
    await complete(["enroll", people, "--gallery", gallery, "--json"]);
    assert.deepEqual(temporaries(state), [], "a completed enroll leaves no temporary file");
  });

  it(`train killed ${TRAIN_CUTS} times at random points, then SIGTERM: the active model is always complete`, async (t) => {
    const people = join(dir, "people");
    if (!existsSync(people)) peopleFolder(dir);
    const store = join(dir, "store");
    const npz = join(dir, "faces.npz");
    const common = ["--out", store, "--augment", "0", "--masked-copies", "0", "--epochs", "30", "--json"];
    await complete(["train", people, "--export-npz", npz, ...common]);
    const full = await complete(["train", "--from-npz", npz, ...common]);
    const check = (when: string) => {
      const pointer = readPointer(store); // throws on a damaged current.json
      assert.ok(pointer, `${when}: a pointer`);
      const meta = readActiveMetadata(store);
      assert.equal(meta?.version ?? pointer.version, pointer.version);
      const g = readGalleryFile(activeGalleryPath(store) as string);
      assert.equal(g?.people.size, 2, `${when}: the active gallery is complete`);
      const staging = readdirSync(store).filter((f) => f.startsWith(".staging-"));
      assert.ok(staging.length <= 1, `${when}: staging folders ${staging.join(", ")}`);
      assert.ok(temporaries(store).length <= 1, `${when}: temporary files ${temporaries(store).join(", ")}`);
      return pointer.version;
    };
    check("before the cuts");
    const outcomes: string[] = [];
    for (let i = 0; i < TRAIN_CUTS; i++) {
      const delay = randomDelay(full.ms);
      const r = await cutAfter(["train", "--from-npz", npz, ...common], delay);
      outcomes.push(`${delay}ms:${r.signal ?? r.code}`);
      check(`after cut ${i + 1}`);
    }
    t.diagnostic(
      `train: full run ${full.ms} ms; cuts (delay:outcome) ${outcomes.join(" ")}; versions ${listVersions(store).length}`,
    );

    // SIGTERM while training: exit 1 ("interrupted; the active model is unchanged"), pointer unchanged.
    const before = check("before SIGTERM");
    const { child, done } = facegate(["train", "--from-npz", npz, ...common, "--epochs", "100000"]);
    // Wait until it is training (its own staging folder exists), then ask it to stop.
    const deadline = Date.now() + 120_000;
    const mine = `.staging-${child.pid}-`;
    while (Date.now() < deadline && !readdirSync(store).some((f) => f.startsWith(mine)))
      await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    const r = await done;
    t.diagnostic(`SIGTERM during train: exit ${r.code ?? r.signal}; ${r.stderr.trim().split("\n").at(-1)}`);
    assert.equal(r.code, 1, "an interrupted training exits 1");
    assert.match(r.stderr, /interrupted|unchanged/);
    assert.equal(check("after SIGTERM"), before, "the pointer is unchanged");
  });
});
