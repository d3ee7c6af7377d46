/**
 * Full analysis of every frame (detect + landmarks + embed, no tracking, no skipping), facegate against the peer
 * on the same frames. The machine is shared, so the two sides are timed back to back as ours → peer → ours and
 * ours is the mean of its two runs: both see the same load. CPU time per frame is reported beside wall time.
 */
import type { RgbImage } from "../../src/vision/types.ts";
import { round } from "./stats.ts";

export interface AnalysisSpeed {
  fps: number;
  /** CPU time of this process (all threads: the vision worker is one) per frame. */
  cpuMsPerFrame: number;
}

export async function speedOf(
  analyse: (frame: RgbImage) => Promise<unknown>,
  frames: readonly RgbImage[],
  passes = 1,
): Promise<AnalysisSpeed> {
  await analyse(frames[0]); // warm-up: first runs allocate
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < passes; p++) for (const f of frames) await analyse(f);
  const n = frames.length * passes;
  const cpu = process.cpuUsage(c0);
  return {
    fps: round(n / ((performance.now() - t0) / 1000), 2) ?? 0,
    cpuMsPerFrame: round((cpu.user + cpu.system) / 1000 / n) ?? 0,
  };
}

/** Ours before and after the peer, averaged; `ours` takes `oursPasses` passes (it is ~10× quicker). */
export async function compareAnalysis(
  ours: (frame: RgbImage) => Promise<unknown>,
  peer: (frame: RgbImage) => Promise<unknown>,
  frames: readonly RgbImage[],
  oursPasses: number,
): Promise<{ ours: AnalysisSpeed; peer: AnalysisSpeed }> {
  const before = await speedOf(ours, frames, oursPasses);
  const theirs = await speedOf(peer, frames);
  const after = await speedOf(ours, frames, oursPasses);
  return {
    ours: {
      fps: round((before.fps + after.fps) / 2, 2) ?? 0,
      cpuMsPerFrame: round((before.cpuMsPerFrame + after.cpuMsPerFrame) / 2) ?? 0,
    },
    peer: theirs,
  };
}
