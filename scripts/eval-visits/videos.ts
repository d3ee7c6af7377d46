/**
 * The visit set's camera videos: each camera's shots (src/evaluation/visit-plan.ts) composed with the test video
 * helper (photos scaled so that their face has the planned width, growing and drifting as planned; 640×480) and
 * cached under ~/.cache/facegate/visits by a hash of the plan, so a re-run starts at once.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  FRAME,
  type PhotoGeometry,
  type PlannedShot,
  photoHeightFor,
} from "../../src/evaluation/visit-plan.ts";
import { makeVideo, type VideoSegment } from "../../test/helpers/video.ts";

/** Bump when the way shots become frames changes: cached videos of the old recipe are not reused. */
const VIDEO_RECIPE = "walk-in-v1";

export function visitCacheDir(): string {
  const root = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(root, "facegate", "visits");
}

/** `geometryOf(path)` says where the photo's subject is (from its analysis), to show its face at the planned width. */
export async function cameraVideo(
  shots: readonly PlannedShot[],
  geometryOf: (path: string) => PhotoGeometry,
  fps: number,
  log: (line: string) => void,
): Promise<string> {
  const segments: VideoSegment[] = shots.map((shot) => {
    if (!shot.path) return { seconds: shot.seconds };
    const g = geometryOf(shot.path);
    const height = (px: number) => photoHeightFor(g, px) / FRAME[1];
    return {
      seconds: shot.seconds,
      photos: [
        {
          path: shot.path,
          height: height(shot.facePx[0]),
          heightTo: height(shot.facePx[1]),
          from: shot.centre[0],
          to: shot.centre[1],
        },
      ],
    };
  });
  const key = createHash("sha256")
    .update(JSON.stringify({ VIDEO_RECIPE, fps, segments }))
    .digest("hex")
    .slice(0, 16);
  const dir = visitCacheDir();
  const out = join(dir, `visits-${key}.mp4`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const seconds = segments.reduce((s, x) => s + x.seconds, 0);
  log(`making ${out} (${Math.round(seconds)} s of video)`);
  const partial = join(dir, `visits-${key}.partial.mp4`);
  await makeVideo({ out: partial, segments, fps, width: FRAME[0], height: FRAME[1] });
  renameSync(partial, out);
  return out;
}
