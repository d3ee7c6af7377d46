/**
 * Compares two runs of `facegate identify --json` (arm64 under emulation, x64 native) over the same images:
 * the same names, the same mask flags, and scores within a tolerance. Pure: the check and its test share it.
 */

export interface IdentifiedFace {
  name: string | null;
  score: number;
  masked: boolean;
  box: number[];
}

/** One line of `identify --json`. */
export interface IdentifyLine {
  file: string;
  faces?: IdentifiedFace[];
  error?: string;
}

export interface Comparison {
  /** Images answered by both runs. */
  images: number;
  /** Images whose faces carry the same names, in the same order (an error on both sides counts as agreeing). */
  sameNames: number;
  sameMasked: number;
  /** Largest |score difference| over the faces both runs found. */
  maxScoreDiff: number;
  /** Largest box corner difference in pixels (reported, not judged: boxes come from rounded floats). */
  maxBoxDiff: number;
  /** One line per disagreement, for the log. */
  differences: string[];
}

export function parseIdentifyOutput(stdout: string): Map<string, IdentifyLine> {
  const lines = new Map<string, IdentifyLine>();
  for (const text of stdout.split("\n")) {
    if (!text.trim().startsWith("{")) continue;
    const line = JSON.parse(text) as IdentifyLine;
    lines.set(line.file, line);
  }
  return lines;
}

export function compareRuns(
  arm: ReadonlyMap<string, IdentifyLine>,
  x64: ReadonlyMap<string, IdentifyLine>,
): Comparison {
  const c: Comparison = {
    images: 0,
    sameNames: 0,
    sameMasked: 0,
    maxScoreDiff: 0,
    maxBoxDiff: 0,
    differences: [],
  };
  const files = new Set([...arm.keys(), ...x64.keys()]);
  for (const file of files) {
    const a = arm.get(file);
    const x = x64.get(file);
    if (!a || !x) {
      c.differences.push(`${file}: answered only on ${a ? "arm64" : "x64"}`);
      continue;
    }
    c.images++;
    const fa = a.faces ?? [];
    const fx = x.faces ?? [];
    const sameCount = fa.length === fx.length && Boolean(a.error) === Boolean(x.error);
    const names = sameCount && fa.every((f, i) => f.name === fx[i].name);
    const masked = sameCount && fa.every((f, i) => f.masked === fx[i].masked);
    if (names) c.sameNames++;
    else c.differences.push(`${file}: names ${show(fa, a, "name")} on arm64, ${show(fx, x, "name")} on x64`);
    if (masked) c.sameMasked++;
    else
      c.differences.push(
        `${file}: masked ${show(fa, a, "masked")} on arm64, ${show(fx, x, "masked")} on x64`,
      );
    for (let i = 0; i < Math.min(fa.length, fx.length); i++) {
      const diff = Math.abs(fa[i].score - fx[i].score);
      c.maxScoreDiff = Math.max(c.maxScoreDiff, diff);
      for (let k = 0; k < 4; k++)
        c.maxBoxDiff = Math.max(c.maxBoxDiff, Math.abs((fa[i].box[k] ?? 0) - (fx[i].box[k] ?? 0)));
    }
  }
  c.maxScoreDiff = Math.round(c.maxScoreDiff * 1e6) / 1e6;
  return c;
}

function show(faces: IdentifiedFace[], line: IdentifyLine, key: "name" | "masked"): string {
  return line.error ? `error "${line.error}"` : JSON.stringify(faces.map((f) => f[key]));
}

/** The check passes only when every image agrees on names and mask flags and scores agree within `tolerance`. */
export function agrees(c: Comparison, tolerance = 1e-3): boolean {
  return c.images > 0 && c.sameNames === c.images && c.sameMasked === c.images && c.maxScoreDiff <= tolerance;
}
