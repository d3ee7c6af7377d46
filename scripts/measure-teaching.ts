// Teaching from the door's own captures, measured through the real daemon: N lfw-dev people walk past a camera
// nobody is enrolled for (all `unknown`), each first visit's capture is assigned to its person through the web
// API (one assignment each), then the same people come back (other photos of them) mixed with strangers (people
// never seen). Reports the share of later visits named right, named wrong or unknown, and strangers named.
//
// Run: node --import tsx scripts/measure-teaching.ts [--people 10] [--later 3] [--strangers 10] [--json out.json]
// Needs ../shared/data (lfw-dev) and ffmpeg; takes about (people × (later + 1) + strangers) × 4 s + 30 s.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readManifest } from "../src/evaluation/manifest.ts";
import type { FaceEvent } from "../src/events/types.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { DaemonProcess, writeSettings } from "../test/daemon-support.ts";
import { makeVideo, type VideoSegment } from "../test/helpers/video.ts";
import { freePort } from "../test/mqtt-support.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const VISIBLE_S = 2.5;
const GAP_S = 1.5;
/** Empty frames after the first visits, while the captures are assigned. */
const TEACH_GAP_S = 12;

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "10" },
    later: { type: "string", default: "3" },
    strangers: { type: "string", default: "10" },
    manifest: { type: "string", default: join(ROOT, "..", "shared", "data", "lfw-dev", "manifest.tsv") },
    json: { type: "string" },
  },
});
const N = Number(values.people);
const LATER = Number(values.later);
const STRANGERS = Number(values.strangers);

interface Visit {
  label: string;
  /** null: a stranger (never assigned). */
  person: string | null;
  phase: "first" | "later";
  startS: number;
  endS: number;
}

const hashOf = (s: string) => createHash("sha256").update(s).digest("hex");
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Photos in which the detector finds exactly one face (LFW photos often show someone behind the subject). */
async function singleFace(vision: VisionClient, files: string[], want: number): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    if (out.length >= want) break;
    const { faces } = await vision.analyzeEncoded(readFileSync(file));
    if (faces.length === 1) out.push(file);
  }
  return out;
}

async function choosePeople(): Promise<{ people: Map<string, string[]>; strangers: string[] }> {
  const rows = readManifest(values.manifest as string).filter((r) => !r.masked);
  const byPerson = new Map<string, string[]>();
  for (const r of rows)
    if (r.role !== "unknown") byPerson.set(r.identity, [...(byPerson.get(r.identity) ?? []), r.path]);
  const vision = new VisionClient({});
  await vision.start();
  try {
    const people = new Map<string, string[]>();
    // A fixed, name-independent order: the same people on every run.
    for (const name of [...byPerson.keys()].sort((a, b) => hashOf(a).localeCompare(hashOf(b)))) {
      if (people.size >= N) break;
      const photos = await singleFace(vision, byPerson.get(name) ?? [], LATER + 1);
      if (photos.length === LATER + 1) people.set(name, photos);
    }
    const unknown = rows
      .filter((r) => r.role === "unknown")
      .sort((a, b) => hashOf(a.path).localeCompare(hashOf(b.path)))
      .map((r) => r.path);
    return { people, strangers: await singleFace(vision, unknown, STRANGERS) };
  } finally {
    await vision.stop();
  }
}

/** First visits, a quiet gap for teaching, then the later visits and strangers in a fixed shuffled order. */
function plan(
  people: Map<string, string[]>,
  strangers: string[],
): { segments: VideoSegment[]; visits: Visit[] } {
  const segments: VideoSegment[] = [];
  const visits: Visit[] = [];
  let t = 0;
  const add = (path: string, visit: Omit<Visit, "startS" | "endS">, gapAfter: number) => {
    segments.push({
      seconds: VISIBLE_S,
      photos: [{ path, height: 0.6, from: [0.4, 0.5], to: [0.6, 0.5] }],
    });
    visits.push({ ...visit, startS: t, endS: t + VISIBLE_S });
    t += VISIBLE_S;
    segments.push({ seconds: gapAfter });
    t += gapAfter;
  };
  segments.push({ seconds: GAP_S });
  t += GAP_S;
  const names = [...people.keys()];
  for (const [i, name] of names.entries()) {
    const gapAfter = i === names.length - 1 ? TEACH_GAP_S : GAP_S;
    add((people.get(name) as string[])[0], { label: name, person: name, phase: "first" }, gapAfter);
  }
  const later = [
    ...names.flatMap((name) =>
      (people.get(name) as string[])
        .slice(1)
        .map((path) => ({ path, label: name, person: name as string | null })),
    ),
    ...strangers.map((path) => ({ path, label: `stranger ${path.split("/").at(-1)}`, person: null })),
  ].sort((a, b) => hashOf(a.path).localeCompare(hashOf(b.path)));
  for (const v of later) add(v.path, { label: v.label, person: v.person, phase: "later" }, GAP_S);
  return { segments, visits };
}

/** The daemon's Server-Sent Events (the MQTT event payloads), collected as they come. */
function listen(url: string, events: FaceEvent[]): () => void {
  const req = request(url, (res) => {
    let buffered = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffered += chunk;
      const blocks = buffered.split("\n\n");
      buffered = blocks.pop() ?? "";
      for (const block of blocks) {
        const lines = block.split("\n");
        if (lines.some((l) => l.startsWith("event:"))) continue;
        const data = lines.find((l) => l.startsWith("data: "));
        if (data) events.push(JSON.parse(data.slice(6)) as FaceEvent);
      }
    });
  });
  req.end();
  return () => req.destroy();
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "facegate-teaching-"));
  try {
    log(`choosing ${N} people with ${LATER + 1} single-face photos each and ${STRANGERS} strangers`);
    const { people, strangers } = await choosePeople();
    const { segments, visits } = plan(people, strangers);
    const video = await makeVideo({ out: join(dir, "door.mp4"), segments });
    log(`video: ${visits.length} visits, ${video.durationS.toFixed(0)} s`);
    mkdirSync(join(dir, "state"));
    const port = await freePort();
    const config = join(dir, "facegate.yaml");
    writeSettings(config, {
      gallery: "state/gallery",
      mqtt: { embedded_port: await freePort(), homeassistant: { enabled: false } },
      web: { port },
      cameras: { door: { source: video.path } },
      stats_interval_s: 60,
    });
    const base = `http://127.0.0.1:${port}`;
    const daemon = new DaemonProcess(config);
    const events: FaceEvent[] = [];
    let stop: (() => void) | null = null;
    try {
      for (let i = 0; i < 600; i++) {
        try {
          await api(base, "GET", "/api/health");
          break;
        } catch {
          await sleep(100);
        }
      }
      stop = listen(`${base}/api/events`, events);
      const decisions = () => events.filter((e) => e.type !== "left");
      // Video time of a decision: its track's first sighting, anchored on the first visit's.
      const visitOf = (e: FaceEvent): Visit | undefined => {
        const anchor = Date.parse(decisions()[0].first_seen) - visits[0].startS * 1000;
        const t = (Date.parse(e.first_seen) - anchor) / 1000;
        return visits.find((v) => t >= v.startS - 0.5 && t <= v.endS + 0.5);
      };
      const first = visits.filter((v) => v.phase === "first");
      const teachAt = first.at(-1)?.endS ?? 0;
      const started = Date.now();
      while (decisions().length === 0 && Date.now() - started < 120_000) await sleep(100);
      if (decisions().length === 0) throw new Error(`no decision at all: ${daemon.output.slice(-2000)}`);
      const t0 = Date.parse(decisions()[0].first_seen) - visits[0].startS * 1000;
      while (Date.now() < t0 + (teachAt + 1) * 1000) await sleep(100);

      // One assignment per person: the capture of their first visit.
      const captures = (await api(base, "GET", "/api/captures?limit=1000")) as {
        id: string;
        track_id: string;
      }[];
      let assigned = 0;
      for (const visit of first) {
        const decision = decisions().find((e) => visitOf(e) === visit);
        const capture = decision && captures.find((c) => c.track_id === decision.track_id);
        if (!capture) {
          log(`first visit of ${visit.label}: no capture (face not decided)`);
          continue;
        }
        await api(base, "POST", `/api/captures/${capture.id}/assign`, { name: visit.person });
        assigned++;
      }
      log(
        `assigned ${assigned}/${first.length} first visits, ${(Date.now() - t0) / 1000 - teachAt} s into the gap`,
      );
      while (Date.now() < t0 + (video.durationS + 3) * 1000) await sleep(200);

      const later = visits.filter((v) => v.phase === "later");
      const outcome = (v: Visit): "right" | "wrong" | "unknown" | "missed" => {
        const d = decisions().find((e) => visitOf(e) === v);
        if (!d) return "missed";
        if (d.name === null) return "unknown";
        return d.name === v.person ? "right" : "wrong";
      };
      const count = (vs: Visit[], o: string) => vs.filter((v) => outcome(v) === o).length;
      const returning = later.filter((v) => v.person !== null);
      const strangerVisits = later.filter((v) => v.person === null);
      const report = {
        people: people.size,
        assigned,
        later_visits: returning.length,
        named_right: count(returning, "right"),
        named_wrong: count(returning, "wrong"),
        unknown: count(returning, "unknown"),
        missed: count(returning, "missed"),
        strangers: strangerVisits.length,
        strangers_named: count(strangerVisits, "right") + count(strangerVisits, "wrong"),
        strangers_unknown: count(strangerVisits, "unknown"),
        first_visits_unknown: first.filter((v) => outcome(v) === "unknown").length,
        unmapped_decisions: decisions().filter((e) => !visitOf(e)).length,
        per_visit: later.map((v) => ({ label: v.label, outcome: outcome(v) })),
      };
      const share = (n: number, d: number) => `${n}/${d} (${d ? ((100 * n) / d).toFixed(0) : "–"} %)`;
      console.log(
        `people unknown at first: ${share(report.first_visits_unknown, first.length)} first visits unknown`,
      );
      console.log(
        `later visits named right after one assignment each: ${share(report.named_right, returning.length)}`,
      );
      console.log(
        `  named wrong: ${report.named_wrong}, unknown: ${report.unknown}, not decided: ${report.missed}`,
      );
      console.log(`strangers named: ${share(report.strangers_named, strangerVisits.length)}`);
      if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    } finally {
      stop?.();
      await daemon.kill("SIGTERM");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
