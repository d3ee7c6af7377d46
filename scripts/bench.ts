/**
 * `npm run bench [-- --quick] [--json out.json] [--detector cascade] [--from-source] [--threads 1] [--no-peer]
 *  [--cpu-prof dir]`
 *
 * What users run, measured: the default detector (cascade) and the compiled build (dist/) unless told otherwise.
 * Per-stage latency, the real daemon's end-to-end frames/s on 640×480 videos with one and four faces,
 * frame→MQTT-event latency against a real mosquitto, start-up (process start → first frame analysed), CPU per
 * frame, peak RSS and where it goes (each part's resident memory), model load time, and the peer
 * (@vladmandic/face-api) on the same frames and the same lfw-dev subset, accuracy of both sides included.
 * Needs ../shared/data (skips clearly without it), ffmpeg and mosquitto.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cacheKeyId } from "../src/evaluation/analysis-cache.ts";
import { cacheKeyFor } from "../src/evaluation/analyze-images.ts";
import { decodeImage } from "../src/vision/decode.ts";
import type { DetectorKind } from "../src/vision/factory.ts";
import type { RgbImage } from "../src/vision/types.ts";
import type * as VisionClientModule from "../src/vision/worker/vision-client.ts";
import { startMosquitto } from "../test/mqtt-support.ts";
import { type AccuracyResult, cached, evaluateSide, lfwSubset } from "./bench/accuracy.ts";
import { type AnalysisSpeed, compareAnalysis, speedOf } from "./bench/analysis-speed.ts";
import { chooseBuild, deployedEnv, loadModule } from "./bench/build.ts";
import { type DaemonRunResult, runDaemon } from "./bench/daemon-run.ts";
import { FaceApiPeer, type PeerDetector } from "./bench/face-api-peer.ts";
import { type FootprintResult, measureFootprint } from "./bench/footprint.ts";
import { measureStages, type StageResult } from "./bench/stages.ts";
import { round } from "./bench/stats.ts";
import { videoPeople, writeVideoGallery } from "./bench/video-people.ts";
import { fourFaceVideo, oneFaceVideo, readFrames } from "./bench/videos.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DATA = join(ROOT, "..", "shared", "data");

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    /** The smallest run that still fills every key (the smoke test): 2 people, short videos, no peer accuracy. */
    smoke: { type: "boolean", default: false },
    json: { type: "string" },
    /** The product's default; `blazeface` is the cheapest alternative. */
    detector: { type: "string", default: "cascade" },
    threads: { type: "string", default: "1" },
    "peer-detector": { type: "string", default: "ssd" },
    "no-peer": { type: "boolean", default: false },
    people: { type: "string" },
    unknowns: { type: "string" },
    "video-fps": { type: "string" },
    "cpu-prof": { type: "string" },
    /** Run everything from the TypeScript sources (tsx) instead of the compiled build. */
    "from-source": { type: "boolean", default: false },
    /** The compiled build to run: the folder tsc wrote (its parent must hold models/ and weights/). */
    dist: { type: "string", default: "dist" },
  },
});
const smoke = values.smoke ?? false;
const quick = (values.quick ?? false) || smoke;
const detector = values.detector as DetectorKind;
const build = chooseBuild(ROOT, values["from-source"] ?? false, values.dist);
const threads = Number(values.threads);
const people = Number(values.people ?? (smoke ? 5 : quick ? 6 : 30));
const unknowns = Number(values.unknowns ?? (smoke ? 2 : quick ? 10 : 100));
const videoFps = Number(values["video-fps"] ?? 60);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavgStart: loadavg().map((v) => round(v, 2)),
  };
}

function writeJson(path: string | undefined, value: unknown): void {
  if (path) writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function hasCommand(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const host = machine();
  if (!existsSync(join(DATA, "lfw-dev", "manifest.tsv"))) {
    const reason = "../shared/data is absent (a fresh checkout has no shared face data): benchmark skipped";
    log(reason);
    writeJson(values.json, { skipped: true, reason, machine: host });
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "facegate-bench-"));
  const t0 = performance.now();
  try {
    const subset = lfwSubset(DATA, people, unknowns);
    const { one: oneFacePeople, four: fourFacePeople } = videoPeople(subset, { smoke, quick });

    log(`videos (640×480, ${videoFps} fps) …`);
    const visibleS = smoke ? 1.5 : quick ? 2.5 : 3;
    const one = await oneFaceVideo(join(work, "one.mp4"), oneFacePeople, videoFps, visibleS);
    const four = await fourFaceVideo(join(work, "four.mp4"), fourFacePeople, videoFps, visibleS);

    // Frames with a face in view, the same for both sides' per-frame timings.
    const seg = one.timeline.find((s) => s.labels.length > 0);
    const frameCount = smoke ? 3 : quick ? 8 : 40;
    const frames = await readFrames(one.path, seg?.firstFrame ?? 0, frameCount);

    log(`per-stage latency (${detector}, ${threads} thread(s), ${build.kind} build) …`);
    const stages = await measureStages(frames, { detector, threads, galleryPeople: people, build });

    let footprint: FootprintResult | null = null;
    if (build.kind === "compiled") {
      log("memory per part …");
      footprint = await measureFootprint({
        build,
        frames,
        video: one.path,
        detector,
        workDir: work,
        env: deployedEnv(ROOT),
      });
    }

    // Enrollment through the real path, and our side's embeddings for the accuracy subset.
    const { VisionClient } = await loadModule<typeof VisionClientModule>(
      build,
      "vision/worker/vision-client",
    );
    const vision = new VisionClient({ detector: { kind: detector }, threads });
    const loadStart = performance.now();
    await vision.start();
    const workerLoadMs = performance.now() - loadStart;
    let accuracyOurs: AccuracyResult;
    const galleryPath = join(work, "gallery");
    try {
      log("enrolling the video's people …");
      await writeVideoGallery(vision, subset, [...oneFacePeople, ...fourFacePeople], galleryPath);

      log(
        `accuracy, facegate (${subset.gallery.length} people, ${subset.probes.length} probes, ${unknowns}+${unknowns} unknowns) …`,
      );
      // Keyed like `facegate eval`'s cache: models and analysis version, so a change in either re-measures.
      const embedOurs = cached(`facegate-${cacheKeyId(cacheKeyFor(vision))}`, async (file) => {
        const r = await vision.analyzeEncoded(readFileSync(file), { maxFaces: 4 });
        return largest(r.faces.map((f) => ({ box: f.box, v: f.embedding })));
      });
      accuracyOurs = await evaluateSide(subset, embedOurs);
    } finally {
      await vision.stop();
    }

    let daemon1: DaemonRunResult | null = null;
    let daemon4: DaemonRunResult | null = null;
    let daemon1Bare: DaemonRunResult | null = null;
    const deployed = deployedEnv(ROOT);
    if (hasCommand("mosquitto")) {
      const broker = await startMosquitto();
      try {
        const enrolled = subset.gallery.map((g) => g.name);
        const base = {
          root: ROOT,
          workDir: work,
          brokerUrl: broker.url,
          galleryPath,
          detector,
          enrolled,
          entry: build.entry,
          env: { ...build.env, ...deployed },
        };
        const prof = values["cpu-prof"];
        const nodeArgs = (label: string) =>
          prof
            ? ["--cpu-prof", `--cpu-prof-dir=${resolve(prof)}`, `--cpu-prof-name=${label}.cpuprofile`]
            : [];
        log("daemon, one face …");
        daemon1 = await runDaemon({ ...base, label: "1face", video: one, nodeArgs: nodeArgs("1face") });
        log("daemon, four faces …");
        daemon4 = await runDaemon({ ...base, label: "4faces", video: four, nodeArgs: nodeArgs("4faces") });
        log("daemon, one face, bare node (without the unit's environment) …");
        daemon1Bare = await runDaemon({ ...base, label: "1face-bare", video: one, env: build.env });
      } finally {
        await broker.stop();
      }
    } else log("mosquitto not found: end-to-end runs skipped");

    // Full analysis of every frame (no tracking, no skipping), with the daemon's settings for frames.
    const speedFrames = frames.slice(0, smoke ? 1 : quick ? 3 : 12);
    const frameVision = new VisionClient({ detector: { kind: detector, secondLook: false }, threads });
    await frameVision.start();
    const analyseOurs = (f: RgbImage) => frameVision.analyzeRaw(f, 1, { maxFaces: 8 });
    let oursAnalysis: AnalysisSpeed;
    let peer: Peer | null = null;
    try {
      if (values["no-peer"]) oursAnalysis = await speedOf(analyseOurs, speedFrames, 3);
      else {
        const kind = values["peer-detector"] as PeerDetector;
        log(`peer: @vladmandic/face-api (${kind}), full analysis back to back with facegate …`);
        const api = await FaceApiPeer.create(kind);
        const speeds = await compareAnalysis(analyseOurs, (f) => api.analyze(f), speedFrames, 3);
        oursAnalysis = speeds.ours;
        peer = await peerAccuracy(api, kind, speeds.peer, subset);
      }
    } finally {
      await frameVision.stop();
    }

    const result = summarise({
      host,
      stages,
      workerLoadMs,
      oursAnalysis,
      daemon1,
      daemon4,
      daemon1Bare,
      deployed,
      peer,
      accuracyOurs,
      footprint,
    });
    process.stdout.write(markdown(result));
    writeJson(values.json, { ...result, seconds: round((performance.now() - t0) / 1000, 0) });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Peer {
  speed: AnalysisSpeed;
  loadMs: number;
  detector: PeerDetector;
  backend: string;
  accuracy: AccuracyResult | null;
}

async function peerAccuracy(
  api: FaceApiPeer,
  kind: PeerDetector,
  speed: AnalysisSpeed,
  subset: ReturnType<typeof lfwSubset>,
): Promise<Peer> {
  log("accuracy, peer …");
  const embedPeer = cached(`face-api-${kind}`, async (file) => {
    const { image } = await decodeImage(readFileSync(file));
    return largest((await api.analyze(image)).map((f) => ({ box: f.box, v: f.descriptor })));
  });
  const accuracy = smoke
    ? null
    : await evaluateSide(subset, embedPeer, 0.01, (d, n) => {
        if (d % 50 === 0) log(`  ${d}/${n}`);
      });
  return { speed, loadMs: api.loadMs, detector: kind, backend: api.backend, accuracy };
}

function largest(faces: { box: readonly number[]; v: Float32Array }[]): Float32Array | null {
  const withEmb = faces.filter((f) => f.v.length > 0);
  if (withEmb.length === 0) return null;
  return withEmb.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a)).v;
}

interface Inputs {
  host: ReturnType<typeof machine>;
  stages: StageResult;
  workerLoadMs: number;
  oursAnalysis: AnalysisSpeed;
  daemon1: DaemonRunResult | null;
  daemon4: DaemonRunResult | null;
  /** The one-face run again with a bare `node` (no Environment= of the unit): its peak RSS. */
  daemon1Bare: DaemonRunResult | null;
  deployed: Record<string, string>;
  peer: Peer | null;
  accuracyOurs: AccuracyResult;
  footprint: FootprintResult | null;
}

function summarise(i: Inputs) {
  const rss = [i.daemon1?.peakRssMb, i.daemon4?.peakRssMb].filter((v): v is number => typeof v === "number");
  const lat = [i.daemon1?.eventLatencyMs.p95, i.daemon4?.eventLatencyMs.p95].filter(
    (v): v is number => typeof v === "number",
  );
  const fps1 = i.daemon1?.fps ?? null;
  return {
    machine: { ...i.host, loadavgEnd: loadavg().map((v) => round(v, 2)) },
    quick,
    detector,
    detector_id: i.stages.detector,
    build: build.kind,
    threads,
    fps_1face: fps1,
    fps_4faces: i.daemon4?.fps ?? null,
    event_latency_ms_p50: i.daemon1?.eventLatencyMs.p50 ?? null,
    event_latency_ms_p95: lat.length ? Math.max(...lat) : null,
    rss_mb: rss.length ? Math.max(...rss) : null,
    /** The environment the daemon ran with, from deploy/facegate.service (the Docker image sets the same). */
    daemon_env: i.deployed,
    rss_mb_bare_node: i.daemon1Bare?.peakRssMb ?? null,
    rss_parts_mb: i.footprint ? Object.fromEntries(i.footprint.parts.map((p) => [p.part, p.mb])) : null,
    sharp_cache_mb: i.footprint?.sharpCacheMb ?? null,
    startup_ms: i.daemon1?.startupMs ?? null,
    cpu_ms_per_frame_1face: i.daemon1?.cpuMsPerFrame ?? null,
    cpu_ms_per_frame_4faces: i.daemon4?.cpuMsPerFrame ?? null,
    analysis_cpu_ms_1face: i.stages.frameOneFaceCpuP50,
    loadavg_1min_at_daemon_runs: [i.daemon1?.loadavg1 ?? null, i.daemon4?.loadavg1 ?? null],
    model_load_ms: i.stages.modelLoadMs,
    worker_model_load_ms: round(i.workerLoadMs, 0),
    detect_ms_p50: i.stages.detect.p50,
    embed_ms_p50: i.stages.embed.p50,
    analysis_fps_1face: i.oursAnalysis.fps,
    analysis_cpu_ms_per_frame: i.oursAnalysis.cpuMsPerFrame,
    peer_fps_1face: i.peer?.speed.fps ?? null,
    peer_cpu_ms_per_frame: i.peer?.speed.cpuMsPerFrame ?? null,
    speedup_vs_peer: i.peer && fps1 !== null ? round(fps1 / i.peer.speed.fps) : null,
    speedup_vs_peer_analysis: i.peer ? round(i.oursAnalysis.fps / i.peer.speed.fps) : null,
    speedup_vs_peer_analysis_cpu: i.peer
      ? round(i.peer.speed.cpuMsPerFrame / i.oursAnalysis.cpuMsPerFrame)
      : null,
    stages: i.stages,
    daemon: { one_face: i.daemon1, four_faces: i.daemon4 },
    peer: i.peer,
    accuracy: { facegate: i.accuracyOurs, peer: i.peer?.accuracy ?? null },
  };
}

const TARGETS = { fps1: 30, fps4: 15, latency: 150, rss: 200, speedup: 10 };

function markdown(r: ReturnType<typeof summarise>): string {
  const f = (v: number | null | undefined, unit = "") =>
    v === null || v === undefined ? "–" : `${v}${unit}`;
  const ok = (v: number | null, good: (x: number) => boolean) => (v === null ? "–" : good(v) ? "✅" : "❌");
  const s = r.stages;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const acc = (a: AccuracyResult | null) =>
    a
      ? `${pct(a.idRate)} (FA ${pct(a.falseAcceptRate)}, thr ${a.threshold}, rank-1 ${pct(a.rank1)}, no face ${a.noFace})`
      : "–";
  const m = r.machine;
  const lines = [
    `## facegate bench${r.quick ? " (quick)" : ""}`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, Node ${m.node}; load average at start ${m.loadavgStart.join(" / ")}, at end ${m.loadavgEnd.join(" / ")}.`,
    `Detector ${r.detector} (${r.detector_id}), ${r.threads} intra-op thread(s) per ONNX session; videos 640×480 at ${videoFps} fps (the daemon reads them at their own rate); ${r.build === "compiled" ? "compiled build (dist/)" : "from source (tsx)"}; load average (1 min) at the daemon runs ${r.loadavg_1min_at_daemon_runs.join(" / ")}.`,
    "",
    "| metric | facegate | target | |",
    "| --- | --- | --- | --- |",
    `| end-to-end fps, 1 face (real daemon) | ${f(r.fps_1face)} | ≥ ${TARGETS.fps1} | ${ok(r.fps_1face, (x) => x >= TARGETS.fps1)} |`,
    `| end-to-end fps, 4 faces (real daemon) | ${f(r.fps_4faces)} | ≥ ${TARGETS.fps4} | ${ok(r.fps_4faces, (x) => x >= TARGETS.fps4)} |`,
    `| frame→MQTT event p50 / p95 | ${f(r.event_latency_ms_p50, " ms")} / ${f(r.event_latency_ms_p95, " ms")} | p95 ≤ ${TARGETS.latency} ms | ${ok(r.event_latency_ms_p95, (x) => x <= TARGETS.latency)} |`,
    `| peak RSS (daemon process, one camera; ${
      Object.entries(r.daemon_env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ") || "bare node"
    }) | ${f(r.rss_mb, " MB")} | ≤ ${TARGETS.rss} MB | ${ok(r.rss_mb, (x) => x <= TARGETS.rss)} |`,
    `| peak RSS, one face, bare \`node\` (no Environment= of the unit) | ${f(r.rss_mb_bare_node, " MB")} | | |`,
    `| start-up (process start → first frame analysed) | ${f(r.startup_ms, " ms")} | | |`,
    `| daemon CPU per frame, 1 face / 4 faces | ${f(r.cpu_ms_per_frame_1face, " ms")} / ${f(r.cpu_ms_per_frame_4faces, " ms")} | | |`,
    `| speed-up vs face-api, full analysis of every frame (wall; CPU) | ${f(r.speedup_vs_peer_analysis, "×")}; ${f(r.speedup_vs_peer_analysis_cpu, "×")} | ≥ ${TARGETS.speedup}× | ${ok(r.speedup_vs_peer_analysis, (x) => x >= TARGETS.speedup)} |`,
    `| speed-up vs face-api (daemon fps / peer full-analysis fps) | ${f(r.speedup_vs_peer, "×")} | | |`,
    `| model load (in-process / vision worker) | ${f(r.model_load_ms, " ms")} / ${f(r.worker_model_load_ms, " ms")} | | |`,
    "",
    "| stage (per frame or face, 640×480, 1 face) | p50 ms | p95 ms | CPU ms p50 |",
    "| --- | --- | --- | --- |",
    ...(
      [
        ["decode (JPEG → RGB, sharp)", s.decode],
        [`detect (${s.detector})`, s.detect],
        ["68 landmarks + align", s.landmarksAlign],
        ["embed", s.embed],
        ["mask flag", s.maskFlag],
        [`match (${people} people)`, s.match],
      ] as const
    ).map(([name, l]) => `| ${name} | ${f(l.p50)} | ${f(l.p95)} | ${f(l.cpuP50)} |`),
    `| sum, one face (no decode) | ${f(s.frameOneFaceP50)} | | ${f(s.frameOneFaceCpuP50)} |`,
    "",
    "| end-to-end run | frames/s taken | frames/s analysed | drops | vision ms (mean) | events id/unknown/left (wrong name) | frame→event p50/p95 | peak RSS | daemon CPU ms/frame |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...[r.daemon.one_face, r.daemon.four_faces]
      .filter((d): d is DaemonRunResult => d !== null)
      .map(
        (d) =>
          `| ${d.label} | ${f(d.fps)} of ${d.videoFps} | ${f(d.fpsDetect)} | ${d.drops} | ${f(d.detectionMsMean)} | ${d.events.identified}/${d.events.unknown}/${d.events.left} (${d.events.wrongName}) | ${f(d.eventLatencyMs.p50)} / ${f(d.eventLatencyMs.p95)} ms (n=${d.eventLatencyMs.n}) | ${f(d.peakRssMb, " MB")} | ${f(d.cpuMsPerFrame)} |`,
      ),
    "",
    ...(r.rss_parts_mb
      ? [
          "| resident memory per part (loaded in order, one fresh process) | MB |",
          "| --- | --- |",
          ...Object.entries(r.rss_parts_mb).map(([part, mb]) => `| ${part} | ${mb} |`),
          `| (libvips operation cache at its highest) | ${f(r.sharp_cache_mb)} |`,
          "",
        ]
      : []),
    "| same frames / same lfw-dev subset | facegate | face-api peer |",
    "| --- | --- | --- |",
    `| full analysis fps, 1 face (detect+landmarks+embed every frame; timed back to back) | ${f(r.analysis_fps_1face)} | ${f(r.peer_fps_1face)}${r.peer ? ` (${r.peer.detector}, tfjs ${r.peer.backend})` : ""} |`,
    `| CPU ms per frame, full analysis | ${f(r.analysis_cpu_ms_per_frame)} | ${f(r.peer_cpu_ms_per_frame)} |`,
    `| model load | ${f(r.worker_model_load_ms, " ms")} | ${r.peer ? `${Math.round(r.peer.loadMs)} ms` : "–"} |`,
    `| ID rate at 1 % FA (threshold from separate unknowns) | ${acc(r.accuracy.facegate)} | ${acc(r.accuracy.peer)} |`,
    "",
  ];
  return `${lines.join("\n")}\n`;
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
