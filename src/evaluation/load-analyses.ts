import type { VisionClient } from "../vision/worker/vision-client.ts";
import type { CachedAnalysis } from "./analysis-cache.ts";
import { analyzeImages, openCacheFor } from "./analyze-images.ts";
import type { ManifestRow } from "./manifest.ts";

/** Analyses the manifest's images (cached), telling on stderr how far it got: a cold run takes minutes. */
export async function loadAnalyses(
  vision: VisionClient,
  rows: ManifestRow[],
  cachePath: string | false | undefined,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Map<string, CachedAnalysis>> {
  const cache = openCacheFor(vision, cachePath);
  if (cache) log(`analysis cache ${cache.path} (${cache.size} images)`);
  const started = Date.now();
  let lastLog = started;
  const analyses = await analyzeImages(
    rows.map((r) => r.path),
    vision,
    cache,
    (p) => {
      const now = Date.now();
      if (now - lastLog < 10_000 && p.done < p.total) return;
      lastLog = now;
      log(
        `analysed ${p.done}/${p.total} images (${p.fromCache} from cache), ${Math.round((now - started) / 1000)} s`,
      );
    },
  );
  return analyses;
}
