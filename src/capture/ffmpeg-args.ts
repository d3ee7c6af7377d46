import { CaptureConfigError } from "./errors.ts";
import type { SourceSpec } from "./types.ts";

export type FfmpegSpec = Extract<SourceSpec, { kind: "v4l2" | "rtsp" | "http" | "file" }>;

export interface FfmpegOutput {
  width: number;
  height: number;
  fps?: number;
}

/**
 * The ffmpeg argv for one camera: decode the input, letterbox it into width×height (faces must not be stretched),
 * optionally resample to `fps`, and write packed rgb24 frames to stdout with no container, so every
 * width×height×3 bytes on the pipe is exactly one frame.
 */
export function buildFfmpegArgs(camera: string, spec: FfmpegSpec, out: FfmpegOutput): string[] {
  const { width, height, fps } = out;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) {
    throw new CaptureConfigError(camera, `frame size ${width}×${height} is not a valid size`);
  }
  if (fps !== undefined && !(fps > 0)) throw new CaptureConfigError(camera, `fps ${fps} must be > 0`);
  const args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"];
  args.push(...inputArgs(camera, spec, out));
  const filters = [
    ...(fps === undefined ? [] : [`fps=${fps}`]),
    `scale=${width}:${height}:force_original_aspect_ratio=decrease`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
    "setsar=1",
  ];
  args.push("-an", "-sn", "-dn", "-vf", filters.join(","), "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1");
  return args;
}

function inputArgs(camera: string, spec: FfmpegSpec, out: FfmpegOutput): string[] {
  switch (spec.kind) {
    case "v4l2": {
      if (!spec.device) throw new CaptureConfigError(camera, "v4l2 source needs a device, e.g. /dev/video0");
      const framerate = spec.framerate ?? out.fps;
      return [
        "-f",
        "v4l2",
        ...(spec.inputFormat ? ["-input_format", spec.inputFormat] : []),
        "-video_size",
        spec.videoSize ?? `${out.width}x${out.height}`,
        ...(framerate ? ["-framerate", String(framerate)] : []),
        "-i",
        spec.device,
      ];
    }
    case "rtsp":
      if (!/^rtsps?:\/\//i.test(spec.url))
        throw new CaptureConfigError(camera, `not an rtsp:// url: ${redact(spec.url)}`);
      // TCP: UDP loses packets on Wi-Fi, which shows as smeared frames, worse for recognition than a little latency.
      return ["-rtsp_transport", spec.transport ?? "tcp", "-i", spec.url];
    case "http":
      if (!/^https?:\/\//i.test(spec.url))
        throw new CaptureConfigError(camera, `not an http(s):// url: ${redact(spec.url)}`);
      return [...(spec.inputFormat ? ["-f", spec.inputFormat] : []), "-i", spec.url];
    case "file":
      if (!spec.path) throw new CaptureConfigError(camera, "file source needs a path");
      return [
        ...(spec.loop ? ["-stream_loop", "-1"] : []),
        // -re: read at the native rate, so a file behaves like a live camera (drops included).
        ...(spec.realtime === false ? [] : ["-re"]),
        "-i",
        spec.path,
      ];
  }
}

/** Hides the password of a url for logs and status reasons. */
export function redact(url: string): string {
  return url.replace(/\/\/([^/@:]*):([^/@]*)@/, "//$1:***@");
}
