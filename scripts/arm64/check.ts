/**
 * The arm64 check (started by scripts/check-arm64.sh, which prepares qemu and the arm64 sysroot): the built
 * package runs on arm64 under user-mode emulation — `facegate enroll`, `facegate identify --json` on lfw-dev
 * photos (enrolled people, strangers, masked faces) and a short daemon run against mosquitto — and the same commands
 * run natively on x64. The answers must agree: same names, same mask flags, scores within 1e-3. The last line of
 * output is one JSON object; the exit code is 0 only when everything agrees and the arm64 daemon published events.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseGallery } from "../../src/recognition/gallery-file.ts";
import { lfwRows } from "../../test/daemon-support.ts";
import { makeVideo, walkInOut } from "../../test/helpers/video.ts";
import { startMosquitto } from "../../test/mqtt-support.ts";
import { type DaemonRunResult, runDaemon } from "../bench/daemon-run.ts";
import { agrees, compareRuns, parseIdentifyOutput } from "./compare.ts";
import { type Arm64Pins, stageArm64, writeCpuinfo } from "./stage.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DATA = join(ROOT, "..", "shared", "data");
const CACHE = process.env.FACEGATE_ARM64_CACHE ?? join(homedir(), ".cache", "facegate-arm64");
const TOLERANCE = 1e-3;
/** Emulated inference is ~150× slower than native: bounds for single commands, far above what they need. */
const COMMAND_BOUND_MS = 20 * 60_000;

const log = (msg: string) => process.stderr.write(`[check:arm64] ${msg}\n`);

interface Side {
  arch: "arm64" | "x64";
  /** argv prefix that runs a node script on this side. */
  node: string[];
  /** Package root holding bin/facegate.js. */
  app: string;
}

interface Photos {
  people: { name: string; enroll: string[]; probe: string }[];
  identify: string[];
}

/**
 * A small, fixed set (emulation costs seconds per photo): three people enrolled from two photos each; to identify,
 * each one's first unmasked probe and a masked probe, three strangers and one masked stranger.
 */
function pickPhotos(): Photos {
  const rows = lfwRows(DATA);
  const names = [...new Set(rows.filter((r) => r.role === "enroll").map((r) => r.identity))].slice(0, 3);
  const people = names.map((name) => {
    const own = rows.filter((r) => r.identity === name);
    const probe = own.find((r) => r.role === "probe" && !r.masked);
    if (!probe) throw new Error(`lfw-dev has no probe photo of ${name}`);
    return {
      name,
      enroll: own
        .filter((r) => r.role === "enroll")
        .slice(0, 2)
        .map((r) => r.path),
      probe: probe.path,
    };
  });
  const maskedProbes = names.map((name) => {
    const row = rows.find((r) => r.identity === name && r.role === "probe" && r.masked);
    if (!row) throw new Error(`lfw-dev has no masked probe of ${name}`);
    return row.path;
  });
  const strangers = rows.filter((r) => r.role === "unknown" && !r.masked);
  const maskedStranger = rows.find((r) => r.role === "unknown" && r.masked);
  const spread = [0, 100, 200].map((i) => strangers[i].path);
  return {
    people,
    identify: [
      ...people.map((p) => p.probe),
      ...maskedProbes,
      ...spread,
      ...(maskedStranger ? [maskedStranger.path] : []),
    ],
  };
}

function run(side: Side, args: string[], timeoutMs = COMMAND_BOUND_MS): Promise<string> {
  const [command, ...prefix] = side.node;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...prefix, join(side.app, "bin", "facegate.js"), ...args], {
      cwd: side.app,
      env: { ...process.env, FACEGATE_USE_DIST: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // identify exits 1 when an input failed: its lines still say which, and are compared.
      if (code === 0 || (code === 1 && args[0] === "identify")) resolvePromise(stdout);
      else reject(new Error(`${side.arch}: facegate ${args[0]} ended with ${code ?? signal}:\n${stderr}`));
    });
  });
}

async function enrollAndIdentify(side: Side, photos: Photos, work: string) {
  const t0 = performance.now();
  const people = join(work, "people");
  const gallery = join(work, `gallery-${side.arch}.json`);
  await run(side, ["enroll", people, "--gallery", gallery]);
  const enrollS = (performance.now() - t0) / 1000;
  const out = await run(side, ["identify", ...photos.identify, "--gallery", gallery, "--json"]);
  const identifyS = (performance.now() - t0) / 1000 - enrollS;
  log(`${side.arch}: enroll ${enrollS.toFixed(0)} s, identify ${identifyS.toFixed(0)} s`);
  return { gallery, answers: parseIdentifyOutput(out) };
}

/** Same people in both galleries, and the largest difference between corresponding template values. */
function compareGalleries(
  armPath: string,
  x64Path: string,
): { samePeople: boolean; maxTemplateDiff: number } {
  const arm = parseGallery(readFileSync(armPath, "utf8"), armPath);
  const x64 = parseGallery(readFileSync(x64Path, "utf8"), x64Path);
  const samePeople = JSON.stringify(arm.names()) === JSON.stringify(x64.names());
  let maxTemplateDiff = 0;
  for (const p of arm.people.values()) {
    const q = x64.people.get(p.name);
    if (!q || q.templates.length !== p.templates.length) continue;
    p.templates.forEach((t, i) => {
      const u = q.templates[i].vector;
      for (let k = 0; k < t.vector.length; k++)
        maxTemplateDiff = Math.max(maxTemplateDiff, Math.abs(t.vector[k] - u[k]));
    });
  }
  return { samePeople, maxTemplateDiff };
}

async function daemonRun(
  side: Side,
  photos: Photos,
  gallery: string,
  work: string,
): Promise<DaemonRunResult> {
  const video = join(work, "visitors.mp4");
  const visitors = photos.people.slice(0, 1);
  // Emulated, one frame takes seconds through the models: a long visit (always in view, moving so that the motion
  // gate lets frames through), few frames, one agreeing frame decides.
  const made = await makeVideo({
    out: video,
    fps: 5,
    segments: walkInOut(
      visitors.map((p) => ({ path: p.probe, label: p.name })),
      { visibleS: 15, gapS: 0 },
    ),
  });
  const broker = await startMosquitto();
  try {
    return await runDaemon({
      root: side.app,
      workDir: work,
      label: side.arch,
      video: made,
      brokerUrl: broker.url,
      galleryPath: gallery,
      detector: "cascade",
      // Naming anyone but the visitors counts as a wrong name.
      enrolled: visitors.map((p) => p.name),
      entry: join(side.app, "bin", "facegate.js"),
      env: { FACEGATE_USE_DIST: "1" },
      launcher: side.node,
      startTimeoutMs: 10 * 60_000,
      settings: { recognition: { min_agreeing_frames: 1 } },
      // Until someone is named (the daemon's whole path: capture → models → vote → MQTT), at most 5 minutes.
      loopUntil: { until: (e) => e.identified > 0, boundMs: 5 * 60_000 },
    });
  } finally {
    await broker.stop();
  }
}

async function main(): Promise<number> {
  if (!lfwRowsAvailable()) {
    const reason =
      "../shared/data/lfw-dev is absent (a fresh checkout has no shared face data): arm64 check skipped";
    log(reason);
    process.stdout.write(`${JSON.stringify({ arch: "arm64", skipped: reason })}\n`);
    return 0;
  }
  const t0 = performance.now();
  const pins = JSON.parse(readFileSync(join(ROOT, "scripts", "arm64", "arm64.json"), "utf8")) as Arm64Pins;
  const sysroot = join(CACHE, "sysroot");
  writeCpuinfo(sysroot);
  const stage = stageArm64(ROOT, CACHE, pins);
  const arm: Side = {
    arch: "arm64",
    node: ["qemu-aarch64-static", "-cpu", pins.qemuCpu, "-L", sysroot, stage.node],
    app: stage.app,
  };
  const x64: Side = { arch: "x64", node: [process.execPath], app: ROOT };
  log(`staged in ${((performance.now() - t0) / 1000).toFixed(0)} s (cache ${CACHE})`);

  const photos = pickPhotos();
  const work = mkdtempSync(join(tmpdir(), "facegate-arm64-"));
  try {
    for (const p of photos.people) {
      mkdirSync(join(work, "people", p.name), { recursive: true });
      for (const f of p.enroll) symlinkSync(f, join(work, "people", p.name, basename(f)));
    }
    const native = await enrollAndIdentify(x64, photos, work);
    const emulated = await enrollAndIdentify(arm, photos, work);
    const c = compareRuns(emulated.answers, native.answers);
    const g = compareGalleries(emulated.gallery, native.gallery);
    for (const d of c.differences) log(`differs: ${d}`);
    log(
      `galleries: ${g.samePeople ? "same people" : "DIFFERENT people"}, largest template difference ${g.maxTemplateDiff.toExponential(2)}; boxes within ${c.maxBoxDiff} px`,
    );

    const daemonX64 = await daemonRun(x64, photos, native.gallery, work);
    const daemonArm = await daemonRun(arm, photos, emulated.gallery, work);
    const count = (d: DaemonRunResult) => d.events.identified + d.events.unknown + d.events.left;
    for (const d of [daemonX64, daemonArm])
      log(
        `daemon ${d.label}: models loaded ${((d.startToModelsMs ?? 0) / 1000).toFixed(0)} s after start, first frame analysed at ${((d.startupMs ?? 0) / 1000).toFixed(0)} s; events identified/unknown/left ${d.events.identified}/${d.events.unknown}/${d.events.left} (wrong names ${d.events.wrongName}), ${d.frames} frames taken, ${d.fpsDetect} analysed/s`,
      );
    const daemonOk = daemonArm.events.identified > 0 && daemonArm.events.wrongName === 0;
    const ok = agrees(c, TOLERANCE) && g.samePeople && daemonOk;
    log(
      `${ok ? "PASS" : "FAIL"} in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${c.sameNames}/${c.images} same names, ${c.sameMasked}/${c.images} same mask flags, scores within ${c.maxScoreDiff} (limit ${TOLERANCE}), arm64 daemon ${daemonOk ? "published events" : "did not identify anyone correctly"}`,
    );
    const summary = {
      arch: "arm64",
      images: c.images,
      same_names: c.sameNames,
      same_masked: c.sameMasked,
      max_score_diff: c.maxScoreDiff,
      daemon_events: count(daemonArm),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return ok ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function lfwRowsAvailable(): boolean {
  try {
    return lfwRows(DATA).length > 0;
  } catch {
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
