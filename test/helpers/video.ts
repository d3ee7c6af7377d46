/**
 * Test videos made from photos with ffmpeg: people "walking in and out" of a fixed camera view.
 *
 * A video is a list of segments; each segment lasts `seconds` and shows zero or more photos (an empty segment is
 * the bare background: nobody in view), each scaled to a height and placed at a centre that can move linearly
 * during the segment. Frames are composed in-process (photos are scaled once with sharp, then copied per frame)
 * and piped as raw RGB to ffmpeg, which encodes H.264 (default) or MJPEG. The result comes with a timeline saying
 * who is in view in which frames, for integration tests and benchmarks.
 *
 * ```ts
 * const dir = sharedDataDir(); // null without ../shared: skip the test
 * const video = await makeVideo({
 *   out: "/tmp/walk.mp4",
 *   segments: walkInOut([{ path: a, label: "Angelina" }, { path: b, label: "Elon" }], { visibleS: 3, gapS: 1 }),
 * });
 * video.timeline; // [{ startS: 1, endS: 4, labels: ["Angelina"], firstFrame: 10, lastFrame: 39 }, ...]
 * ```
 *
 * The photos are never copied anywhere: write videos to a temporary folder, not into the repository.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

export interface PhotoPlacement {
  /** Image file (any format sharp reads). */
  path: string;
  /** Ground-truth name reported in the timeline (e.g. the identity). Default: the file path. */
  label?: string;
  /** Height of the photo on the canvas, as a fraction of the canvas height. Default 0.6. */
  height?: number;
  /** Height at the end of the segment: the photo grows (or shrinks) linearly from `height`. Default: `height`. */
  heightTo?: number;
  /** Centre of the photo at the start of the segment, as fractions [x, y] of the canvas. Default [0.5, 0.5]. */
  from?: readonly [number, number];
  /** Centre at the end of the segment; the photo moves linearly from `from`. Default: `from` (still). */
  to?: readonly [number, number];
}

export interface VideoSegment {
  seconds: number;
  /** Photos in view during this segment; none or empty = the bare background. */
  photos?: readonly PhotoPlacement[];
}

export interface MakeVideoOptions {
  /** Output file; the container follows the extension (.mp4, .mkv, .avi, ...). */
  out: string;
  segments: readonly VideoSegment[];
  /** Default 640×480. */
  width?: number;
  height?: number;
  /** Default 10. */
  fps?: number;
  /** Flat background colour [r, g, b] (default [70, 80, 90]), or an image file scaled to cover the canvas. */
  background?: readonly [number, number, number] | string;
  /** "h264" (default, libx264 CRF 18) or "mjpeg" (larger files, decodes anywhere). */
  codec?: "h264" | "mjpeg";
  /** Path of ffmpeg. Default "ffmpeg". */
  ffmpegPath?: string;
}

export interface TimelineEntry {
  startS: number;
  endS: number;
  /** Labels of the photos in view; empty for a background segment. */
  labels: string[];
  /** Frame indices (0-based, inclusive) of the segment. */
  firstFrame: number;
  lastFrame: number;
}

export interface MadeVideo {
  path: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  durationS: number;
  timeline: TimelineEntry[];
}

interface ScaledPhoto {
  data: Buffer;
  width: number;
  height: number;
}

/** Makes the video and resolves once ffmpeg has finished writing it. */
export async function makeVideo(options: MakeVideoOptions): Promise<MadeVideo> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const fps = options.fps ?? 10;
  const background = await makeBackground(options.background ?? [70, 80, 90], width, height);
  // Photos scaled to each height they are shown at, kept for the segment that shows them.
  let scaled = new Map<string, ScaledPhoto>();
  const scaledAt = async (photo: PhotoPlacement, px: number): Promise<ScaledPhoto> => {
    const key = `${photo.path}@${px}`;
    let img = scaled.get(key);
    if (!img) {
      img = await scalePhoto(photo.path, px);
      scaled.set(key, img);
    }
    return img;
  };

  const codecArgs =
    (options.codec ?? "h264") === "h264"
      ? ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
      : ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"];
  const args = [
    ...["-hide_banner", "-loglevel", "error", "-y"],
    ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-r", String(fps), "-i", "pipe:0"],
    ...codecArgs,
    options.out,
  ];
  const ffmpeg = spawn(options.ffmpegPath ?? "ffmpeg", args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  ffmpeg.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-2000);
  });
  const done = new Promise<void>((resolveDone, reject) => {
    ffmpeg.on("error", reject);
    ffmpeg.on("close", (code) =>
      code === 0 ? resolveDone() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`)),
    );
  });
  ffmpeg.stdin.on("error", () => {}); // reported through "close"

  const timeline: TimelineEntry[] = [];
  let frameIndex = 0;
  let timeS = 0;
  for (const segment of options.segments) {
    const count = Math.max(1, Math.round(segment.seconds * fps));
    const photos = segment.photos ?? [];
    scaled = new Map();
    for (let i = 0; i < count; i++) {
      const frame = Buffer.from(background);
      const progress = count > 1 ? i / (count - 1) : 0;
      for (const photo of photos) {
        const img = await scaledAt(photo, photoHeight(photo, height, progress));
        const from = photo.from ?? [0.5, 0.5];
        const to = photo.to ?? from;
        const cx = (from[0] + (to[0] - from[0]) * progress) * width;
        const cy = (from[1] + (to[1] - from[1]) * progress) * height;
        blit(frame, width, height, img, Math.round(cx - img.width / 2), Math.round(cy - img.height / 2));
      }
      if (!ffmpeg.stdin.write(frame)) {
        await new Promise<void>((r) => {
          const resume = () => {
            ffmpeg.stdin.off("drain", resume);
            ffmpeg.off("close", resume);
            r();
          };
          ffmpeg.stdin.on("drain", resume);
          ffmpeg.on("close", resume);
        });
      }
    }
    timeline.push({
      startS: timeS,
      endS: timeS + count / fps,
      labels: photos.map((p) => p.label ?? p.path),
      firstFrame: frameIndex,
      lastFrame: frameIndex + count - 1,
    });
    frameIndex += count;
    timeS += count / fps;
  }
  ffmpeg.stdin.end();
  await done;
  return { path: options.out, width, height, fps, frames: frameIndex, durationS: timeS, timeline };
}

export interface WalkInOutOptions {
  /** Seconds each person is in view. Default 3. */
  visibleS?: number;
  /** Seconds of empty background before each person and after the last one. Default 1. */
  gapS?: number;
  /** Walk across part of the view (left third → right third) instead of standing still in the middle. Default true. */
  moving?: boolean;
  /** Height of the photo as a fraction of the canvas height. Default 0.6. */
  height?: number;
}

/** Segments for people coming into view one after another, with empty background between them. */
export function walkInOut(
  people: readonly { path: string; label?: string }[],
  options: WalkInOutOptions = {},
): VideoSegment[] {
  const { visibleS = 3, gapS = 1, moving = true, height = 0.6 } = options;
  const segments: VideoSegment[] = [];
  for (const person of people) {
    if (gapS > 0) segments.push({ seconds: gapS });
    segments.push({
      seconds: visibleS,
      photos: [
        {
          ...person,
          height,
          from: moving ? [0.38, 0.5] : [0.5, 0.5],
          to: moving ? [0.62, 0.5] : [0.5, 0.5],
        },
      ],
    });
  }
  if (gapS > 0 && people.length > 0) segments.push({ seconds: gapS });
  return segments;
}

/** A synthetic moving test pattern (ffmpeg testsrc2), for tests that need frames but no faces. */
export async function makeTestPattern(
  out: string,
  options: { seconds?: number; fps?: number; width?: number; height?: number; ffmpegPath?: string } = {},
): Promise<string> {
  const { seconds = 2, fps = 10, width = 320, height = 240 } = options;
  const args = [
    ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
    ...["-i", `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`],
    ...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", out],
  ];
  await runFfmpeg(options.ffmpegPath ?? "ffmpeg", args);
  return out;
}

/** Writes one JPEG test-pattern image (e.g. for still-capture or folder sources). */
export async function makeTestImage(
  out: string,
  options: { width?: number; height?: number } = {},
): Promise<string> {
  const { width = 320, height = 240 } = options;
  await runFfmpeg("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
    ...["-i", `testsrc2=size=${width}x${height}:rate=1:duration=1`, "-frames:v", "1", out],
  ]);
  return out;
}

/** The shared face data folder (`../shared/data` from the project root), or null when this checkout has none. */
export function sharedDataDir(): string | null {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const dir = join(root, "..", "shared", "data");
  return existsSync(join(dir, "README.md")) ? dir : null;
}

/** Skip message for node:test when the shared data is absent. */
export const NO_SHARED_DATA = "../shared/data is absent (a fresh checkout has no shared face data): skipped";

function photoHeight(photo: PhotoPlacement, canvasHeight: number, progress: number): number {
  const from = photo.height ?? 0.6;
  const to = photo.heightTo ?? from;
  return Math.max(2, Math.round((from + (to - from) * progress) * canvasHeight));
}

async function scalePhoto(path: string, height: number): Promise<ScaledPhoto> {
  const { data, info } = await sharp(path)
    .rotate()
    .resize({ height })
    .flatten({ background: "#000000" })
    .toColourspace("srgb")
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function makeBackground(
  background: readonly [number, number, number] | string,
  width: number,
  height: number,
): Promise<Buffer> {
  if (typeof background === "string") {
    return sharp(background)
      .rotate()
      .resize(width, height, { fit: "cover" })
      .flatten({ background: "#000000" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer();
  }
  const frame = Buffer.alloc(width * height * 3);
  for (let i = 0; i < frame.length; i += 3) {
    frame[i] = background[0];
    frame[i + 1] = background[1];
    frame[i + 2] = background[2];
  }
  return frame;
}

/** Copies `img` onto the frame with its top-left corner at (x, y), clipped to the canvas. */
function blit(frame: Buffer, width: number, height: number, img: ScaledPhoto, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const x1 = Math.min(width, x + img.width);
  if (x1 <= x0) return;
  for (let row = Math.max(0, y); row < Math.min(height, y + img.height); row++) {
    const src = ((row - y) * img.width + (x0 - x)) * 3;
    img.data.copy(frame, (row * width + x0) * 3, src, src + (x1 - x0) * 3);
  }
}

function runFfmpeg(ffmpegPath: string, args: string[]): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolveRun() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`)),
    );
  });
}
