/**
 * Open-set identification on an lfw-dev subset, the same for facegate and the peer: `people` identities are
 * enrolled (mean of their first five photos), their unmasked probes must be named, and unknowns (never enrolled)
 * must not be. The threshold of each side is chosen on one half of the unknowns (the calibration half: at most
 * `targetFa` of them accepted) and ID rate / false accepts are reported on the other half, so neither side's
 * threshold saw the images it is scored on. Embeddings are cached on disk per side (re-runs are quick).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cosine, meanTemplate } from "../../src/recognition/matcher.ts";

export interface LfwSubset {
  gallery: { name: string; files: string[] }[];
  probes: { name: string; file: string }[];
  /** Unknowns that choose the threshold. */
  calibration: string[];
  /** Unknowns the false-accept rate is reported on. */
  test: string[];
}

/** Deterministic subset: identities in manifest order (every `stride`-th), unknowns alternating cal/test. */
export function lfwSubset(dataDir: string, people: number, unknowns: number): LfwSubset {
  const rows = readFileSync(join(dataDir, "lfw-dev", "manifest.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"))
    .filter((r) => r[3] === "0")
    .map(([identity, path, role]) => ({ identity, path: join(dataDir, "lfw-dev", path), role }));
  const identities = [...new Set(rows.filter((r) => r.role === "enroll").map((r) => r.identity))];
  const stride = Math.max(1, Math.floor(identities.length / people));
  const chosen = identities.filter((_, i) => i % stride === 0).slice(0, people);
  const gallery = chosen.map((name) => ({
    name,
    files: rows.filter((r) => r.identity === name && r.role === "enroll").map((r) => r.path),
  }));
  const probes = rows
    .filter((r) => r.role === "probe" && chosen.includes(r.identity))
    .map((r) => ({ name: r.identity, file: r.path }));
  const unknownRows = rows.filter((r) => r.role === "unknown");
  const ustride = Math.max(1, Math.floor(unknownRows.length / (2 * unknowns)));
  const picked = unknownRows.filter((_, i) => i % ustride === 0).slice(0, 2 * unknowns);
  return {
    gallery,
    probes,
    calibration: picked.filter((_, i) => i % 2 === 0).map((r) => r.path),
    test: picked.filter((_, i) => i % 2 === 1).map((r) => r.path),
  };
}

/** The embedding of an image's largest face, or null when no face was found. */
export type EmbedFile = (file: string) => Promise<Float32Array | null>;

/** Wraps an embedder with a per-side disk cache in the OS temp folder (never in the repository). */
export function cached(side: string, embed: EmbedFile): EmbedFile {
  const dir = join(tmpdir(), "facegate-bench-cache", side);
  mkdirSync(dir, { recursive: true });
  return async (file) => {
    const key = join(dir, `${createHash("sha1").update(file).digest("hex")}.json`);
    try {
      const v = JSON.parse(readFileSync(key, "utf8")) as number[] | null;
      return v ? Float32Array.from(v) : null;
    } catch {
      const v = await embed(file);
      writeFileSync(key, JSON.stringify(v ? Array.from(v) : null));
      return v;
    }
  };
}

export interface AccuracyResult {
  people: number;
  probes: number;
  unknownsCalibration: number;
  unknownsTest: number;
  /** Threshold chosen on the calibration unknowns. */
  threshold: number;
  /** Probes named correctly at that threshold (no face = miss). */
  idRate: number;
  /** Test unknowns accepted as someone at that threshold. */
  falseAcceptRate: number;
  /** Images of the subset where no face was found. */
  noFace: number;
  /** Closed-set rank-1 (best match right, no threshold). */
  rank1: number;
}

export async function evaluateSide(
  subset: LfwSubset,
  embed: EmbedFile,
  targetFa = 0.01,
  onProgress?: (done: number, total: number) => void,
): Promise<AccuracyResult> {
  const total =
    subset.gallery.reduce((n, p) => n + p.files.length, 0) +
    subset.probes.length +
    subset.calibration.length +
    subset.test.length;
  let done = 0;
  let noFace = 0;
  const get = async (file: string) => {
    const v = await embed(file);
    if (!v) noFace++;
    onProgress?.(++done, total);
    return v;
  };
  const names: string[] = [];
  const templates: Float32Array[] = [];
  for (const person of subset.gallery) {
    const vs: Float32Array[] = [];
    for (const f of person.files) {
      const v = await get(f);
      if (v) vs.push(v);
    }
    if (vs.length === 0) continue;
    names.push(person.name);
    templates.push(meanTemplate(vs, vs[0].length));
  }
  const best = (v: Float32Array) => {
    let bi = -1;
    let bs = -2;
    for (let i = 0; i < templates.length; i++) {
      const s = cosine(templates[i], v);
      if (s > bs) {
        bs = s;
        bi = i;
      }
    }
    return { name: bi >= 0 ? names[bi] : null, score: bs };
  };
  const scoresOf = async (files: string[]) => {
    const out: number[] = [];
    for (const f of files) {
      const v = await get(f);
      out.push(v ? best(v).score : Number.NEGATIVE_INFINITY);
    }
    return out;
  };
  const cal = await scoresOf(subset.calibration);
  const test = await scoresOf(subset.test);
  // Smallest threshold with at most targetFa of the calibration unknowns at or above it.
  const sorted = [...cal].sort((a, b) => b - a);
  const allowed = Math.floor(targetFa * sorted.length);
  const threshold = (sorted[allowed] ?? -1) + 1e-6;
  let identified = 0;
  let rank1 = 0;
  for (const p of subset.probes) {
    const v = await get(p.file);
    if (!v) continue;
    const m = best(v);
    if (m.name === p.name) {
      rank1++;
      if (m.score >= threshold) identified++;
    }
  }
  return {
    people: names.length,
    probes: subset.probes.length,
    unknownsCalibration: cal.length,
    unknownsTest: test.length,
    threshold: Math.round(threshold * 1000) / 1000,
    idRate: identified / Math.max(1, subset.probes.length),
    falseAcceptRate: test.filter((s) => s >= threshold).length / Math.max(1, test.length),
    noFace,
    rank1: rank1 / Math.max(1, subset.probes.length),
  };
}
