/**
 * Real parts for the daemon tests: people enrolled from the shared LFW photos through the real enrollment
 * path (vision worker → buildPerson → gallery file), settings files, and the daemon as a child process
 * (`bin/facegate.js run`). Not a test file itself (no `.test.ts`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { buildPerson, DEFAULT_ENROLL_POLICY, type PhotoFaces } from "../src/recognition/enroll.ts";
import { Gallery, type Person } from "../src/recognition/gallery.ts";
import { serializeGallery } from "../src/recognition/gallery-file.ts";
import { writeFileAtomic } from "../src/system/write-atomic.ts";
import type { AnalyzedFace } from "../src/vision/analyzer.ts";
import { VisionClient } from "../src/vision/worker/vision-client.ts";
import { type MadeVideo, makeVideo, walkInOut } from "./helpers/video.ts";

export const ROOT = join(fileURLToPath(import.meta.url), "..", "..");

/**
 * Similarity threshold for the tests (a test setting, not a product figure). weights/ holds no calibration
 * for the bundled embedder yet, so the daemon needs an explicit one. On the photos used here strangers score
 * below 0.25 against the gallery and unmasked genuine photos above 0.65; synthetic-masked photos of
 * Abdullah_Gul score about 0.45 (no mask classifier yet, so they are compared as whole faces).
 */
export const TEST_THRESHOLD = 0.4;

/** The people the daemon tests enroll (first five `enroll` photos each), in gallery-prefix order. */
export const ENROLLED = ["Abdullah_Gul", "Bill_Clinton", "Condoleezza_Rice"] as const;

export interface LfwRow {
  identity: string;
  path: string;
  role: "enroll" | "probe" | "unknown";
  masked: boolean;
}

/** A person's enrollment photos in the manifest. */
export function enrollPhotos(rows: LfwRow[], name: string): string[] {
  return rows.filter((r) => r.identity === name && r.role === "enroll").map((r) => r.path);
}

export function lfwRows(dataDir: string): LfwRow[] {
  const lines = readFileSync(join(dataDir, "lfw-dev", "manifest.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  return lines.map((line) => {
    const [identity, path, role, masked] = line.split("\t");
    return {
      identity,
      path: join(dataDir, "lfw-dev", path),
      role: role as LfwRow["role"],
      masked: masked === "1",
    };
  });
}

/** Enrolls each person from their photos into one gallery (serialised, not written). */
export async function enrollPeople(people: { name: string; files: string[] }[]): Promise<Gallery[]> {
  const vision = new VisionClient({});
  await vision.start();
  try {
    const persons: Person[] = [];
    for (const { name, files } of people) {
      const photos: PhotoFaces[] = [];
      for (const file of files) {
        const r = await vision.analyzeEncoded(readFileSync(file), { withUpper: true, maxFaces: 4 });
        photos.push({ file, faces: r.faces });
      }
      const { person } = buildPerson(name, photos, DEFAULT_ENROLL_POLICY);
      if (!person) throw new Error(`could not enroll ${name}`);
      persons.push(person);
    }
    // every prefix of the list as its own gallery: tests start with fewer people and reload with more
    return persons.map((_, i) => {
      const g = new Gallery(vision.embedderId, vision.embedderDim);
      for (const p of persons.slice(0, i + 1)) g.put(p);
      return g;
    });
  } finally {
    await vision.stop();
  }
}

/**
 * For each list, the first photo in which the detector finds exactly one face: LFW photos often show other
 * people behind the subject, and the daemon rightly announces those as extra `unknown` tracks.
 */
export async function singleFacePhotos(candidates: string[][]): Promise<string[]> {
  const vision = new VisionClient({});
  await vision.start();
  try {
    const chosen: string[] = [];
    for (const files of candidates) {
      let found: string | undefined;
      for (const file of files) {
        const { faces } = await vision.analyzeEncoded(readFileSync(file));
        if (faces.length === 1) {
          found = file;
          break;
        }
      }
      if (!found) throw new Error(`no single-face photo among ${files.length} candidates`);
      chosen.push(found);
    }
    return chosen;
  } finally {
    await vision.stop();
  }
}

/** Someone who walks past the camera: an lfw-dev identity's `probe` photo, or a stranger's (`unknown` role). */
export interface Visitor {
  /** null: a stranger (one of the first 20 `unknown` photos). */
  identity: string | null;
  /** Only masked (true) or only unmasked (false) photos; omitted: either. */
  masked?: boolean;
  /** The timeline's label. */
  label?: string;
}

export interface DoorwayOptions {
  /** Temporary folder of the test: the video is written there. */
  dir: string;
  /** How many of ENROLLED to enroll (default all). */
  enroll?: number;
  visitors: Visitor[];
  visibleS: number;
  gapS: number;
  /** Video file name in `dir` (default walk.mp4). */
  video?: string;
  /** false: the first visitor is there from the first frame (no gap before them). */
  leadingGap?: boolean;
}

export interface Doorway {
  /** galleries[i] holds the first i + 1 people of ENROLLED (not written: each test puts them where it wants). */
  galleries: Gallery[];
  /** The single-face photo chosen for each visitor. */
  photos: string[];
  video: MadeVideo;
}

/**
 * The daemon tests' doorway: people enrolled through the real enrollment path, and a video in which the
 * visitors walk past one after another (a single-face photo each, so no extra faces make extra tracks).
 */
export async function doorway(dataDir: string, o: DoorwayOptions): Promise<Doorway> {
  const rows = lfwRows(dataDir);
  const candidates = (v: Visitor) => {
    const fits = rows.filter(
      (r) =>
        (v.identity === null ? r.role === "unknown" : r.identity === v.identity && r.role === "probe") &&
        (v.masked === undefined || r.masked === v.masked),
    );
    return (v.identity === null ? fits.slice(0, 20) : fits).map((r) => r.path);
  };
  const galleries = await enrollPeople(
    ENROLLED.slice(0, o.enroll ?? ENROLLED.length).map((name) => ({
      name,
      files: enrollPhotos(rows, name),
    })),
  );
  const photos = await singleFacePhotos(o.visitors.map(candidates));
  const segments = walkInOut(
    o.visitors.map((v, i) => ({ path: photos[i], label: v.label })),
    { visibleS: o.visibleS, gapS: o.gapS },
  );
  const video = await makeVideo({
    out: join(o.dir, o.video ?? "walk.mp4"),
    segments: o.leadingGap === false ? segments.slice(1) : segments,
  });
  return { galleries, photos, video };
}

/** The faces each photo gives (the vision worker as the daemon runs it), for tests that pick photos by their match. */
export async function analyzePhotos(files: string[]): Promise<Map<string, AnalyzedFace[]>> {
  const vision = new VisionClient({});
  await vision.start();
  try {
    const out = new Map<string, AnalyzedFace[]>();
    for (const file of files) out.set(file, (await vision.analyzeEncoded(readFileSync(file))).faces);
    return out;
  } finally {
    await vision.stop();
  }
}

export function writeGallery(path: string, gallery: Gallery): void {
  writeFileAtomic(path, serializeGallery(gallery));
}

export function writeSettings(path: string, settings: Record<string, unknown>): void {
  writeFileSync(path, stringify(settings));
}

/** The daemon as systemd would run it; from source (a stale dist/ must not be tested). */
export class DaemonProcess {
  readonly child: ChildProcess;
  output = "";

  constructor(configPath: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [join(ROOT, "bin", "facegate.js"), "run", "--config", configPath], {
      cwd: ROOT,
      env: { ...process.env, FACEGATE_FROM_SOURCE: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
  }

  /** Log lines (JSON) whose msg matches. */
  logs(msg: string): Record<string, unknown>[] {
    return this.output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === msg);
  }

  /** Sends a signal and waits for the exit code (or the signal that ended it). */
  async kill(signal: NodeJS.Signals): Promise<number | string> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    if (this.child.signalCode !== null) return this.child.signalCode;
    const exited = once(this.child, "exit") as Promise<[number | null, string | null]>;
    this.child.kill(signal);
    const [code, sig] = await exited;
    return code ?? sig ?? -1;
  }
}

/**
 * A real AF_UNIX datagram socket playing systemd's part (python3 binds it and prints each datagram as a
 * JSON line), as in system-sd-notify.test.ts.
 */
const RECEIVER = `
import json, socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print(json.dumps("bound"), flush=True)
while True:
    data = sock.recv(4096)
    print(json.dumps(data.decode()), flush=True)
`;

export class NotifyReceiver {
  readonly datagrams: string[] = [];
  private child: ChildProcess | null = null;

  constructor(readonly address: string) {}

  async start(): Promise<void> {
    const child = spawn("python3", ["-u", "-c", RECEIVER, this.address], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.child = child;
    let bound = false;
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const text = JSON.parse(line) as string;
        if (text === "bound") bound = true;
        else this.datagrams.push(text);
      }
    });
    const deadline = Date.now() + 10_000;
    while (!bound && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!bound) throw new Error("notify receiver did not bind");
  }

  async stop(): Promise<void> {
    this.child?.kill();
  }
}
