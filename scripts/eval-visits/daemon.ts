/**
 * The real daemon (`bin/facegate.js run`, a child process) on the visit videos, one camera per video, against a
 * real mosquitto: collects every decision it publishes, when each camera's first frame came (the videos' time
 * zero), the daemon's own camera stats, its CPU time and the machine's load while it ran.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { connectAsync } from "mqtt";
import { stringify } from "yaml";
import type { ObservedDecision } from "../../src/evaluation/visit-score.ts";
import { cpuMs } from "../bench/process-cpu.ts";

export interface VisitRunOptions {
  root: string;
  workDir: string;
  brokerUrl: string;
  galleryPath: string;
  videos: readonly { path: string; durationS: number }[];
  log: (line: string) => void;
}

export interface CameraRun {
  /** Frames the pipeline took, and frames dropped because it was still busy with an earlier one. */
  frames: number;
  drops: number;
}

export interface VisitRunResult {
  decisions: ObservedDecision[];
  /** ms epoch of each camera's first frame (its `online` status arriving). */
  t0: number[];
  cameras: CameraRun[];
  /** 1-minute load average of the machine, sampled every 5 s while the videos played. */
  load: { mean: number; max: number };
  /** CPU seconds of the daemon process over the run, per second of video. */
  cpuPerVideoS: number | null;
  wallS: number;
}

const PREFIX = "visits";
const camName = (i: number) => `cam${i}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runVisitDaemon(o: VisitRunOptions): Promise<VisitRunResult> {
  const config = join(o.workDir, "facegate-visits.yaml");
  writeFileSync(
    config,
    stringify({
      gallery: o.galleryPath,
      mqtt: { url: o.brokerUrl, topic_prefix: PREFIX, homeassistant: { enabled: false } },
      cameras: Object.fromEntries(o.videos.map((v, i) => [camName(i), { source: v.path }])),
      stats_interval_s: 5,
      presence: { away_after_s: 3600 },
      // debug: the pipeline says when it splits a visit (per-frame lines too, read and dropped here)
      log: { level: "debug" },
    }),
  );
  const client = await connectAsync(o.brokerUrl, { reconnectPeriod: 200 });
  const t0: number[] = o.videos.map(() => 0);
  const decisions: ObservedDecision[] = [];
  const cameras: CameraRun[] = o.videos.map(() => ({ frames: 0, drops: 0 }));
  client.on("message", (topic, payload) => {
    const now = Date.now();
    const [, cam, kind] = topic.split("/");
    const i = Number(cam?.slice(3));
    if (!cam?.startsWith("cam") || !(i >= 0 && i < o.videos.length)) return;
    const text = payload.toString();
    if (kind === "status" && text === "online" && t0[i] === 0) t0[i] = now;
    else if (kind === "stats") {
      const s = JSON.parse(text) as { frames: number; drops: number };
      cameras[i].frames += s.frames;
      cameras[i].drops += s.drops;
    } else if (kind === "event") {
      const e = JSON.parse(text) as {
        type: string;
        name: string | null;
        track_id: string;
        first_seen: string;
        timestamp: string;
        box: [number, number, number, number];
      };
      if (e.type !== "identified" && e.type !== "unknown") return;
      decisions.push({
        camera: i,
        type: e.type,
        name: e.name,
        trackId: e.track_id,
        firstSeen: Date.parse(e.first_seen),
        timestamp: Date.parse(e.timestamp),
        box: e.box,
      });
    }
  });
  await client.subscribeAsync([`${PREFIX}/+/event`, `${PREFIX}/+/status`, `${PREFIX}/+/stats`], { qos: 1 });

  const child: ChildProcess = spawn(
    process.execPath,
    [join(o.root, "bin", "facegate.js"), "run", "--config", config],
    {
      cwd: o.root,
      env: { ...process.env, FACEGATE_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const faces = new Map<string, number>();
  const newcomers = new Set<string>();
  let tail = "";
  let partial = "";
  child.stdout?.on("data", (c: Buffer) => {
    const lines = (partial + c.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const split = line.includes('"msg":"visit split');
      if (!split && !line.includes('"msg":"face ')) continue;
      const l = JSON.parse(line) as {
        camera?: string;
        track?: string;
        newcomer?: string;
        msg?: string;
        faces?: number;
      };
      if (split) newcomers.add(`${l.camera}/${l.newcomer}`);
      else if (l.faces !== undefined) faces.set(`${l.camera}/${l.track}/${l.msg}`, l.faces);
    }
  });
  child.stderr?.on("data", (c: Buffer) => {
    tail = (tail + c.toString()).slice(-5000);
  });
  const exited = once(child, "exit");
  const loads: number[] = [];
  const sampler = setInterval(() => loads.push(loadavg()[0]), 5000);
  const started = Date.now();
  let cpuStart: number | null = null;
  let cpuEnd: number | null = null;
  try {
    const bound = Date.now() + 180_000;
    while (t0.some((t) => t === 0)) {
      if (child.exitCode !== null) throw new Error(`daemon exited early (${child.exitCode}): ${tail}`);
      if (Date.now() > bound) throw new Error(`not every camera came online: ${tail}`);
      await sleep(100);
    }
    cpuStart = cpuMs(child.pid);
    const end = Math.max(...o.videos.map((v, i) => t0[i] + v.durationS * 1000)) + 3000;
    let lastLog = Date.now();
    while (Date.now() < end) {
      await sleep(500);
      if (Date.now() - lastLog > 60_000) {
        lastLog = Date.now();
        o.log(
          `${Math.round((end - Date.now()) / 1000)} s of video left; ${decisions.length} decisions so far`,
        );
      }
    }
  } finally {
    clearInterval(sampler);
    cpuEnd = cpuMs(child.pid);
    child.kill("SIGTERM");
    await exited;
    await client.endAsync(true);
  }
  const videoS = o.videos.reduce((s, v) => s + v.durationS, 0);
  for (const d of decisions) {
    d.faces = faces.get(`${camName(d.camera)}/${d.trackId}/face ${d.type}`);
    d.splitOff = newcomers.has(`${camName(d.camera)}/${d.trackId}`);
  }
  return {
    cpuPerVideoS: cpuStart !== null && cpuEnd !== null ? (cpuEnd - cpuStart) / 1000 / videoS : null,
    decisions,
    t0,
    cameras,
    load: {
      mean: loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : loadavg()[0],
      max: loads.length ? Math.max(...loads) : loadavg()[0],
    },
    wallS: (Date.now() - started) / 1000,
  };
}
