import { basename } from "node:path";
import { mulberry32, type Rng, shuffleInPlace, uniform } from "../vision/mask/rng.ts";
import type { ManifestRow } from "./manifest.ts";
import { type SplitName, splitOf } from "./split.ts";

/** One visit the daemon should see: a person walking up to the door camera, shown as one or more photos. */
export interface PlannedVisit {
  id: number;
  identity: string;
  /** An enrolled person (the manifest's probes), or a never-enrolled one. */
  kind: "enrolled" | "stranger";
  masked: boolean;
  /** Calibration half of a stranger; null for enrolled people. */
  split: SplitName | null;
  photos: string[];
  /** Index of the camera whose video shows it. */
  camera: number;
  /** Follows the previous visit on its camera with no empty frame between them (a queue at the door). */
  queued: boolean;
  /** Seconds from the start of the camera's video. */
  startS: number;
  endS: number;
}

/**
 * A stretch of one camera's video: a photo whose face grows from `facePx[0]` to `facePx[1]` pixels wide while its
 * centre moves from `centre[0]` to `centre[1]` (fractions of the frame), or the empty doorway (`path` null).
 */
export interface PlannedShot {
  path: string | null;
  seconds: number;
  facePx: readonly [number, number];
  centre: readonly [readonly [number, number], readonly [number, number]];
}

export interface VisitPlan {
  visits: PlannedVisit[];
  /** Per camera, its shots in order. */
  cameras: PlannedShot[][];
  /** How it was made, to say so in reports and to name cached videos. */
  recipe: string;
}

export interface VisitPlanOptions {
  cameras?: number;
  seed?: number;
  /** Keep every n-th enrolled person and stranger (1 = all): a quicker, smaller set. */
  every?: number;
  /** Share of visits that follow the previous one on their camera with no gap. */
  queuedShare?: number;
  /** Empty doorway between visits, seconds. */
  gapS?: number;
  /** Seconds each photo of an enrolled person's visit is shown. */
  photoS?: readonly [number, number];
  /** Seconds a stranger's visit lasts (their one photo). */
  strangerS?: readonly [number, number];
  /** Face width when a visit starts and when it ends (walking up to the camera), pixels. */
  startFacePx?: readonly [number, number];
  endFacePx?: readonly [number, number];
  /** Frame rate of the videos: every shot lasts a whole number of frames, so the plan's times are the video's. */
  fps?: number;
}

const DEFAULTS: Required<VisitPlanOptions> = {
  cameras: 3,
  seed: 16,
  every: 1,
  queuedShare: 0.2,
  gapS: 1.5,
  photoS: [1, 2],
  strangerS: [3, 4],
  startFacePx: [60, 110],
  endFacePx: [120, 200],
  fps: 10,
};

/** Splits n photos into visits of 3–5 (6 → 3 + 3, 7 → 4 + 3, 8 → 4 + 4); fewer than 3 make no visit. */
export function visitSizes(n: number): number[] {
  const sizes: number[] = [];
  let left = n;
  while (left >= 3) {
    const k = left >= 10 ? 5 : left >= 7 ? 4 : left === 6 ? 3 : Math.min(left, 5);
    sizes.push(k);
    left -= k;
  }
  return sizes;
}

/** A probe's synthetic-masked twin in the lfw-dev layout: `masked/<who>/<stem>__<template>.jpg`. */
function stemOf(path: string): string {
  return basename(path).replace(/(__[^.]*)?\.[^.]+$/, "");
}

/**
 * The visit set of a manifest: for each enrolled person with 3 or more probe photos, their probes (sorted by path)
 * cut into visits of 3–5 photos, once unmasked and once as the same photos' masked twins; for each never-enrolled
 * person, one visit of their photo, unmasked and masked. Visits are shuffled (seeded) over the cameras; most are
 * separated by an empty doorway, `queuedShare` follow the previous visit at once (never the same person). Each
 * visit is a walk-in: the face grows from 60–110 to 120–200 px and drifts towards the middle of the frame.
 */
export function planVisits(rows: ManifestRow[], options: VisitPlanOptions = {}): VisitPlan {
  const o = { ...DEFAULTS, ...options };
  const rng = mulberry32(o.seed);
  const frames = (seconds: number) => Math.max(1, Math.round(seconds * o.fps)) / o.fps;
  const twins = new Map<string, string>();
  for (const r of rows) if (r.masked) twins.set(`${r.identity}/${stemOf(r.path)}`, r.path);
  const twinOf = (r: ManifestRow) => twins.get(`${r.identity}/${stemOf(r.path)}`);

  const drafts: Omit<PlannedVisit, "id" | "camera" | "queued" | "startS" | "endS">[] = [];
  const probes = groupBy(
    rows.filter((r) => r.role === "probe" && !r.masked),
    (r) => r.identity,
  );
  [...probes.keys()].sort().forEach((identity, i) => {
    if (i % o.every !== 0) return;
    const photos = (probes.get(identity) ?? []).sort((a, b) => a.path.localeCompare(b.path));
    let at = 0;
    for (const k of visitSizes(photos.length)) {
      const run = photos.slice(at, at + k);
      at += k;
      const base = { identity, kind: "enrolled" as const, split: null };
      drafts.push({ ...base, masked: false, photos: run.map((r) => r.path) });
      const masked = run.map(twinOf).filter((p): p is string => p !== undefined);
      if (masked.length === run.length) drafts.push({ ...base, masked: true, photos: masked });
    }
  });
  const strangers = rows
    .filter((r) => r.role === "unknown" && !r.masked)
    .sort((a, b) => a.path.localeCompare(b.path));
  strangers.forEach((r, i) => {
    if (i % o.every !== 0) return;
    const base = { identity: r.identity, kind: "stranger" as const, split: splitOf(r.identity) };
    drafts.push({ ...base, masked: false, photos: [r.path] });
    const twin = twinOf(r);
    if (twin) drafts.push({ ...base, masked: true, photos: [twin] });
  });

  shuffleInPlace(drafts, rng);
  const visits: PlannedVisit[] = [];
  const cameras: PlannedShot[][] = Array.from({ length: o.cameras }, () => []);
  const clock = new Array<number>(o.cameras).fill(0);
  const last = new Array<string | null>(o.cameras).fill(null);
  drafts.forEach((draft, id) => {
    const camera = id % o.cameras;
    const shots = cameras[camera];
    const queued = last[camera] !== null && last[camera] !== draft.identity && rng() < o.queuedShare;
    if (!queued) {
      shots.push(gap(frames(o.gapS)));
      clock[camera] += frames(o.gapS);
    }
    const startS = clock[camera];
    const walk = walkIn(draft, o, rng, frames);
    shots.push(...walk);
    clock[camera] += walk.reduce((s, x) => s + x.seconds, 0);
    visits.push({ ...draft, id, camera, queued, startS, endS: clock[camera] });
    last[camera] = draft.identity;
  });
  for (const shots of cameras) shots.push(gap(frames(o.gapS)));
  const recipe =
    `visit-plan-v1 seed ${o.seed}, every ${o.every}, ${o.cameras} cameras, ${o.fps} fps, queued ${o.queuedShare}, gap ${o.gapS} s, ` +
    `photo ${o.photoS.join("–")} s, stranger ${o.strangerS.join("–")} s, face ${o.startFacePx.join("–")} → ` +
    `${o.endFacePx.join("–")} px`;
  return { visits, cameras, recipe };
}

/** Where a photo's subject is: its face box in fractions of the photo's width and height, and the photo's shape. */
export interface PhotoGeometry {
  /** Photo width over height. */
  aspect: number;
  /** Face centre (x, y) and width, as fractions of the photo's width, height and height. */
  face: readonly [cx: number, cy: number, w: number];
}

/** Frame size the plan's fractions refer to. */
export const FRAME: readonly [width: number, height: number] = [640, 480];

/** Height a photo is shown at (pixels) so that its subject's face is `facePx` wide. */
export function photoHeightFor(geometry: PhotoGeometry, facePx: number): number {
  return facePx / geometry.face[2];
}

/**
 * The visitor's face on a camera's video at `tS` seconds: centre and width in frame pixels, or null in the empty
 * doorway (and past the end).
 */
export function plannedFace(
  shots: readonly PlannedShot[],
  tS: number,
  geometryOf: (path: string) => PhotoGeometry,
): { cx: number; cy: number; width: number } | null {
  let start = 0;
  for (const shot of shots) {
    const end = start + shot.seconds;
    if (tS < end) {
      if (!shot.path) return null;
      const f = Math.min(1, Math.max(0, (tS - start) / shot.seconds));
      const lerp = (a: number, b: number) => a + (b - a) * f;
      const g = geometryOf(shot.path);
      const width = lerp(shot.facePx[0], shot.facePx[1]);
      const h = photoHeightFor(g, width);
      const x = lerp(shot.centre[0][0], shot.centre[1][0]) * FRAME[0] + (g.face[0] - 0.5) * h * g.aspect;
      const y = lerp(shot.centre[0][1], shot.centre[1][1]) * FRAME[1] + (g.face[1] - 0.5) * h;
      return { cx: x, cy: y, width };
    }
    start = end;
  }
  return null;
}

function gap(seconds: number): PlannedShot {
  return {
    path: null,
    seconds,
    facePx: [0, 0],
    centre: [
      [0.5, 0.5],
      [0.5, 0.5],
    ],
  };
}

/** The visit's photos one after another, the face growing and drifting to the middle over the whole visit. */
function walkIn(
  draft: { kind: PlannedVisit["kind"]; photos: string[] },
  o: Required<VisitPlanOptions>,
  rng: Rng,
  frames: (seconds: number) => number,
): PlannedShot[] {
  const durations = (
    draft.kind === "stranger"
      ? [uniform(rng, o.strangerS[0], o.strangerS[1])]
      : draft.photos.map(() => uniform(rng, o.photoS[0], o.photoS[1]))
  ).map(frames);
  const total = durations.reduce((a, b) => a + b, 0);
  const face0 = uniform(rng, o.startFacePx[0], o.startFacePx[1]);
  const face1 = uniform(rng, o.endFacePx[0], o.endFacePx[1]);
  const from: [number, number] = [uniform(rng, 0.3, 0.7), uniform(rng, 0.42, 0.58)];
  const to: [number, number] = [uniform(rng, 0.45, 0.55), uniform(rng, 0.45, 0.55)];
  const at = (s: number) => s / total;
  const lerp = (a: number, b: number, f: number) => a + (b - a) * f;
  const point = (f: number): [number, number] => [lerp(from[0], to[0], f), lerp(from[1], to[1], f)];
  const shots: PlannedShot[] = [];
  let t = 0;
  draft.photos.forEach((path, i) => {
    const f0 = at(t);
    t += durations[i];
    const f1 = at(t);
    shots.push({
      path,
      seconds: durations[i],
      facePx: [lerp(face0, face1, f0), lerp(face0, face1, f1)],
      centre: [point(f0), point(f1)],
    });
  });
  return shots;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
