/**
 * The benchmark's camera input: 640×480 videos made with ffmpeg from lfw-dev photos (test/helpers/video.ts),
 * written to a temporary folder, never into the repository. One face at a time (people walking in and out), and
 * four faces at once (2×2, drifting a little so the motion gate lets frames through).
 */
import { spawn } from "node:child_process";
import type { RgbImage } from "../../src/vision/types.ts";
import { type MadeVideo, makeVideo, type VideoSegment, walkInOut } from "../../test/helpers/video.ts";

export interface BenchPerson {
  name: string;
  /** A photo shown in the video (a probe: not one of the enrolled photos). */
  photo: string;
}

export async function oneFaceVideo(
  out: string,
  people: readonly BenchPerson[],
  fps: number,
  visibleS = 3,
): Promise<MadeVideo> {
  return makeVideo({
    out,
    fps,
    segments: walkInOut(
      people.map((p) => ({ path: p.photo, label: p.name })),
      { visibleS, gapS: 0.5, height: 0.6 },
    ),
  });
}

const CORNERS: readonly (readonly [number, number])[] = [
  [0.27, 0.27],
  [0.73, 0.27],
  [0.27, 0.73],
  [0.73, 0.73],
];

export async function fourFaceVideo(
  out: string,
  people: readonly BenchPerson[],
  fps: number,
  visibleS = 3,
): Promise<MadeVideo> {
  const segments: VideoSegment[] = [];
  for (let s = 0; s + 4 <= people.length; s += 4) {
    segments.push({ seconds: 0.5 });
    segments.push({
      seconds: visibleS,
      photos: people.slice(s, s + 4).map((p, i) => ({
        path: p.photo,
        label: p.name,
        height: 0.46,
        from: CORNERS[i],
        to: [CORNERS[i][0] + (i % 2 ? -0.03 : 0.03), CORNERS[i][1]] as const,
      })),
    });
  }
  segments.push({ seconds: 0.5 });
  return makeVideo({ out, fps, segments });
}

/** Decodes frames [first, first + count) of a video into RGB with ffmpeg (for the per-stage timings). */
export function readFrames(
  path: string,
  first: number,
  count: number,
  width = 640,
  height = 480,
): Promise<RgbImage[]> {
  return new Promise((resolve, reject) => {
    const args = [
      ...["-hide_banner", "-loglevel", "error", "-i", path],
      ...["-vf", `select=gte(n\\,${first})`, "-vsync", "0", "-frames:v", String(count)],
      ...["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    ];
    const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`));
      const all = Buffer.concat(chunks);
      const size = width * height * 3;
      const frames: RgbImage[] = [];
      for (let o = 0; o + size <= all.length; o += size)
        frames.push({ data: new Uint8Array(all.subarray(o, o + size)), width, height });
      resolve(frames);
    });
  });
}
