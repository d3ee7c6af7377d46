import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { FaceAnalysis } from "../vision/analyzer.ts";
import type { Box, FivePoints, Point } from "../vision/types.ts";

/**
 * Per-image analysis results (never the images) kept on disk so that a second evaluation or calibration run
 * skips the minutes of inference. Everything that changes the numbers is part of the key: a new embedder,
 * detector, mask classifier or analysis option gives a new file, so stale vectors can never be mixed in.
 */
export interface AnalysisCacheKey {
  embedder: string;
  detector: string;
  maskClassifier: string | null;
  /** Analysis options and version of the analysis code (see analyze-images.ts). */
  analysis: string;
}

/** What one image gave: its faces (largest first), or a decode error. */
export type CachedAnalysis = { faces: FaceAnalysis[] } | { error: string };

const MAGIC = Buffer.from("FGEVALC1");
const SCALARS = 18; // box 4, landmarks 10, detectorScore, maskProbability, faceSize, sharpness

export function cacheKeyId(key: AnalysisCacheKey): string {
  return createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 16);
}

export function defaultCachePath(key: AnalysisCacheKey): string {
  const root = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(root, "facegate", `eval-${cacheKeyId(key)}.bin`);
}

export const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * An append-only file: header (magic, key), then records `sha256 | u32 length | payload`. Appending each result
 * as it comes means an interrupted run keeps its work; a torn last record is ignored on reading.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, CachedAnalysis>();

  private constructor(
    readonly path: string,
    readonly dim: number,
  ) {}

  static open(path: string, key: AnalysisCacheKey, dim: number): AnalysisCache {
    const cache = new AnalysisCache(path, dim);
    const header = headerOf(key, dim);
    const buf = existsSync(path) ? readFileSync(path) : null;
    if (buf && buf.length >= header.length && buf.subarray(0, header.length).equals(header)) {
      cache.load(buf, header.length);
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, header);
    }
    return cache;
  }

  get size(): number {
    return this.entries.size;
  }

  get(sha: string): CachedAnalysis | undefined {
    return this.entries.get(sha);
  }

  put(sha: string, analysis: CachedAnalysis): void {
    this.entries.set(sha, analysis);
    const payload = this.encode(analysis);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(payload.length);
    appendFileSync(this.path, Buffer.concat([Buffer.from(sha, "hex"), len, payload]));
  }

  private load(buf: Buffer, start: number): void {
    let off = start;
    while (off + 36 <= buf.length) {
      const sha = buf.subarray(off, off + 32).toString("hex");
      const len = buf.readUInt32LE(off + 32);
      if (off + 36 + len > buf.length) break; // torn write at the end
      this.entries.set(sha, this.decode(buf.subarray(off + 36, off + 36 + len)));
      off += 36 + len;
    }
  }

  private encode(a: CachedAnalysis): Buffer {
    if ("error" in a) return Buffer.concat([Buffer.from([1]), Buffer.from(a.error, "utf8")]);
    const parts: Buffer[] = [Buffer.from([0, a.faces.length])];
    for (const f of a.faces) {
      const s = new Float32Array(SCALARS);
      s.set(f.box, 0);
      s.set(f.landmarks.flat(), 4);
      s.set([f.detectorScore, f.maskProbability, f.faceSize, f.sharpness], 14);
      parts.push(Buffer.from(s.buffer), Buffer.from([f.masked ? 1 : 0, f.upperEmbedding ? 1 : 0]));
      parts.push(floats(f.embedding, this.dim));
      if (f.upperEmbedding) parts.push(floats(f.upperEmbedding, this.dim));
    }
    return Buffer.concat(parts);
  }

  private decode(p: Buffer): CachedAnalysis {
    if (p[0] === 1) return { error: p.subarray(1).toString("utf8") };
    const faces: FaceAnalysis[] = [];
    let off = 2;
    const read = (n: number) => {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = p.readFloatLE(off + i * 4);
      off += n * 4;
      return v;
    };
    for (let k = 0; k < p[1]; k++) {
      const s = read(SCALARS);
      const masked = p[off] === 1;
      const hasUpper = p[off + 1] === 1;
      off += 2;
      const embedding = read(this.dim);
      const upperEmbedding = hasUpper ? read(this.dim) : undefined;
      const pt = (i: number): Point => [s[4 + 2 * i], s[5 + 2 * i]];
      faces.push({
        box: [s[0], s[1], s[2], s[3]] as Box,
        landmarks: [pt(0), pt(1), pt(2), pt(3), pt(4)] as FivePoints,
        detectorScore: s[14],
        maskProbability: s[15],
        faceSize: s[16],
        sharpness: s[17],
        masked,
        embedding,
        upperEmbedding,
      });
    }
    return { faces };
  }
}

function headerOf(key: AnalysisCacheKey, dim: number): Buffer {
  const json = Buffer.from(JSON.stringify({ ...key, dim }), "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, len, json]);
}

function floats(v: Float32Array, dim: number): Buffer {
  if (v.length !== dim) throw new Error(`embedding has ${v.length} values, the cache ${dim}`);
  const copy = Float32Array.from(v);
  return Buffer.from(copy.buffer);
}
