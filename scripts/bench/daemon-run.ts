/**
 * End-to-end run of the real daemon: `facegate run` (the compiled build, or the sources) as a child process, a video file as
 * its camera (read at the file's own rate, like a live camera), a real mosquitto, and a subscriber here that
 * takes the daemon's own per-second stats (`<prefix>/<camera>/stats`) and its events. Frame→event latency is
 * the arrival time of an `identified`/`unknown` event minus the timestamp it carries (the arrival time of the
 * deciding frame from ffmpeg). Peak RSS is the child's VmHWM (main thread + vision worker, one process).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { connectAsync } from "mqtt";
import { stringify } from "yaml";
import { cpuMs } from "./process-cpu.ts";
import { type Latency, latency, round } from "./stats.ts";

export interface DaemonRunOptions {
  root: string;
  workDir: string;
  label: string;
  video: { path: string; durationS: number; fps: number };
  brokerUrl: string;
  galleryPath: string;
  detector: string;
  /** Names in the video that are enrolled (to count right/wrong identifications). */
  enrolled: readonly string[];
  /** Extra node options for the daemon (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs?: string[];
  /** The daemon's entry (scripts/bench/build.ts) and the environment it needs. */
  entry: string;
  env: Record<string, string>;
  /** What runs the entry: this node by default; e.g. qemu + an arm64 node for the arm64 check. */
  launcher?: string[];
  /** Longest wait for the daemon to come online (default 120 s; emulation is slower). */
  startTimeoutMs?: number;
  /** Settings sections added to the daemon's config (e.g. `recognition`). */
  settings?: Record<string, unknown>;
  /**
   * Play the video in a loop and run until `until` holds for the events so far (at most `boundMs`), instead of
   * once through: for a daemon too slow to decide within one pass (emulation).
   */
  loopUntil?: { until: (events: DaemonRunResult["events"]) => boolean; boundMs: number };
}

export interface DaemonRunResult {
  label: string;
  /** Frames the pipeline took per second of video (the video offers `videoFps`). */
  fps: number | null;
  videoFps: number;
  /** Frames that went to the vision worker per second (the rest were skipped by the motion gate). */
  fpsDetect: number | null;
  framesIn: number;
  frames: number;
  drops: number;
  /** Mean time of one vision request as the pipeline measured it. */
  detectionMsMean: number | null;
  eventLatencyMs: Latency;
  events: { identified: number; unknown: number; left: number; wrongName: number };
  /** Child process start → models loaded (node start-up included). */
  startToModelsMs: number | null;
  /** The daemon's own process start → its first frame through the models (its "first frame analysed" log). */
  startupMs: number | null;
  /** Load average (1 min) of the machine when the run started: other work slows every figure. */
  loadavg1: number;
  peakRssMb: number | null;
  /** CPU time of the daemon process (all threads) per frame taken, from video start to end: less load-sensitive than fps. */
  cpuMsPerFrame: number | null;
}

interface StatsMsg {
  frames: number;
  fps_detect: number;
  window_s: number;
  drops: number;
  detection_ms: number | null;
  fps_in: number;
}

function vmHwmMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDaemon(o: DaemonRunOptions): Promise<DaemonRunResult> {
  const prefix = "bench";
  const camera = "cam";
  const config = join(o.workDir, `facegate-${o.label}.yaml`);
  writeFileSync(
    config,
    stringify({
      gallery: o.galleryPath,
      detector: { kind: o.detector },
      mqtt: { url: o.brokerUrl, topic_prefix: prefix, homeassistant: { enabled: false } },
      cameras: { [camera]: { source: o.video.path, width: 640, height: 480, loop: Boolean(o.loopUntil) } },
      stats_interval_s: 1,
      // The page stays on (the default) but on a free port: other daemons may hold 8080 on a shared machine.
      web: { port: 0 },
      log: { level: "info" },
      ...o.settings,
    }),
  );
  const client = await connectAsync(o.brokerUrl, { reconnectPeriod: 200 });
  const stats: StatsMsg[] = [];
  const latencies: number[] = [];
  const events = { identified: 0, unknown: 0, left: 0, wrongName: 0 };
  let online = false;
  let stalled = false;
  client.on("message", (topic, payload) => {
    const now = Date.now();
    const text = payload.toString();
    if (topic.endsWith("/event")) {
      const e = JSON.parse(text) as {
        type: "identified" | "unknown" | "left";
        name: string | null;
        timestamp: string;
      };
      events[e.type]++;
      if (e.type !== "left") latencies.push(now - Date.parse(e.timestamp));
      if (e.type === "identified" && e.name && !o.enrolled.includes(e.name)) events.wrongName++;
    } else if (topic.endsWith("/stats")) stats.push(JSON.parse(text) as StatsMsg);
    else if (topic === `${prefix}/${camera}/status`) {
      if (text === "online") online = true;
      else if (online) stalled = true;
    }
  });
  await client.subscribeAsync([`${prefix}/${camera}/#`], { qos: 1 });

  const load1 = loadavg()[0];
  const spawnedAt = Date.now();
  const [command, ...launcherArgs] = o.launcher ?? [process.execPath];
  const child: ChildProcess = spawn(
    command,
    [...launcherArgs, ...(o.nodeArgs ?? []), o.entry, "run", "--config", config],
    {
      cwd: o.root,
      env: { ...process.env, ...o.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-500_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = once(child, "exit");
  let peak: number | null = null;
  let cpuStart: number | null = null;
  let cpuEnd: number | null = null;
  let ranS = o.video.durationS;
  const sampler = setInterval(() => {
    peak = Math.max(peak ?? 0, vmHwmMb(child.pid) ?? 0) || peak;
  }, 250);
  try {
    const startBound = Date.now() + (o.startTimeoutMs ?? 120_000);
    while (!online) {
      if (child.exitCode !== null)
        throw new Error(`daemon exited early (${child.exitCode}):\n${output.slice(-3000)}`);
      if (Date.now() > startBound) throw new Error(`daemon did not come online:\n${output.slice(-3000)}`);
      await sleep(50);
    }
    cpuStart = cpuMs(child.pid);
    const runStart = Date.now();
    const endBound = runStart + (o.loopUntil?.boundMs ?? o.video.durationS * 1000 + 4000);
    while (!stalled && Date.now() < endBound && !o.loopUntil?.until(events)) await sleep(100);
    // Once through, frames are counted over the video's length (the daemon reads it at its own rate).
    if (o.loopUntil) ranS = (Date.now() - runStart) / 1000;
    cpuEnd = cpuMs(child.pid);
    await sleep(400);
    await client.publishAsync(`${prefix}/command`, "status", { qos: 1 });
    await sleep(600);
    peak = Math.max(peak ?? 0, vmHwmMb(child.pid) ?? 0) || peak;
  } finally {
    clearInterval(sampler);
    child.kill("SIGTERM");
    await exited;
    await client.endAsync(true);
  }
  const logLines = output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string; time?: string; startup_ms?: number });
  const loaded = logLines.find((l) => l.msg === "models loaded");
  const firstFrame = logLines.find((l) => l.msg === "first frame analysed");
  const frames = stats.reduce((n, s) => n + s.frames, 0);
  const detections = stats.reduce((n, s) => n + s.fps_detect * s.window_s, 0);
  const withDetect = stats.filter((s) => s.detection_ms !== null && s.fps_detect > 0);
  const detectionMsMean = withDetect.length
    ? withDetect.reduce((n, s) => n + (s.detection_ms ?? 0) * s.fps_detect * s.window_s, 0) /
      Math.max(
        1,
        withDetect.reduce((n, s) => n + s.fps_detect * s.window_s, 0),
      )
    : null;
  return {
    label: o.label,
    fps: round(frames / ranS),
    videoFps: o.video.fps,
    fpsDetect: round(detections / ranS),
    framesIn: Math.round(ranS * o.video.fps),
    frames,
    drops: stats.reduce((n, s) => n + s.drops, 0),
    detectionMsMean: round(detectionMsMean),
    eventLatencyMs: latency(latencies),
    events,
    startToModelsMs: loaded?.time ? Date.parse(loaded.time) - spawnedAt : null,
    startupMs: firstFrame?.startup_ms ?? null,
    loadavg1: round(load1, 2) ?? 0,
    peakRssMb: peak,
    cpuMsPerFrame:
      cpuStart !== null && cpuEnd !== null && frames > 0 ? round((cpuEnd - cpuStart) / frames) : null,
  };
}
