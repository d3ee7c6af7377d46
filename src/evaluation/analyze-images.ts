import { readFile } from "node:fs/promises";
import { UPPER_FACE_ROWS } from "../vision/analyzer.ts";
import { ImageError } from "../vision/errors.ts";
import type { VisionClient } from "../vision/worker/vision-client.ts";
import {
  AnalysisCache,
  type AnalysisCacheKey,
  type CachedAnalysis,
  defaultCachePath,
  sha256Of,
} from "./analysis-cache.ts";

/**
 * One analysis serves enrollment (needs upper-face vectors of unmasked photos, a few faces to pick from) and
 * identification (the Matcher uses `upperEmbedding` only when the face is flagged masked, so computing it for
 * every face changes no decision). Same options as `facegate enroll`.
 */
export const ANALYSIS_OPTIONS = { withUpper: true, maxFaces: 4 } as const;
const ANALYSIS_ID = `withUpper,maxFaces=4,upperRows=${UPPER_FACE_ROWS},eyesAlignedUpper,lm68,blend05,blockBilinear,v6`;

export function cacheKeyFor(vision: VisionClient): AnalysisCacheKey {
  return {
    embedder: vision.embedderId,
    detector: vision.detectorId,
    maskClassifier: vision.maskClassifierId,
    analysis: `${ANALYSIS_ID},upperProjection=${vision.upperProjectionId ?? "none"}`,
  };
}

/** Opens the cache at `path` (or the default one for these models); `false` turns caching off. */
export function openCacheFor(vision: VisionClient, path?: string | false): AnalysisCache | null {
  if (path === false) return null;
  const key = cacheKeyFor(vision);
  return AnalysisCache.open(path ?? defaultCachePath(key), key, vision.embedderDim);
}

export interface AnalyzeProgress {
  done: number;
  total: number;
  fromCache: number;
}

/** Analyses every distinct image once, from the cache where it can; returns results by path. */
export async function analyzeImages(
  paths: string[],
  vision: VisionClient,
  cache: AnalysisCache | null,
  onProgress?: (p: AnalyzeProgress) => void,
): Promise<Map<string, CachedAnalysis>> {
  const unique = [...new Set(paths)];
  const out = new Map<string, CachedAnalysis>();
  const progress: AnalyzeProgress = { done: 0, total: unique.length, fromCache: 0 };
  let next = 0;
  // Two images in flight: one is decoded or read while the other is in the embedder.
  const lane = async () => {
    while (next < unique.length) {
      const path = unique[next++];
      out.set(path, await analyzeOne(path, vision, cache, progress));
      progress.done++;
      onProgress?.(progress);
    }
  };
  await Promise.all([lane(), lane()]);
  return out;
}

async function analyzeOne(
  path: string,
  vision: VisionClient,
  cache: AnalysisCache | null,
  progress: AnalyzeProgress,
): Promise<CachedAnalysis> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    // A missing file is the manifest's or the disk's problem, not the image's: never cached.
    return { error: `cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})` };
  }
  const sha = sha256Of(bytes);
  const hit = cache?.get(sha);
  if (hit) {
    progress.fromCache++;
    return hit;
  }
  let result: CachedAnalysis;
  try {
    const { faces } = await vision.analyzeEncoded(bytes, ANALYSIS_OPTIONS);
    result = { faces };
  } catch (err) {
    if (!(err instanceof ImageError)) throw err;
    result = { error: err.message }; // an undecodable image stays undecodable: worth caching
  }
  cache?.put(sha, result);
  return result;
}
