import { FfmpegSource } from "./ffmpeg-source.ts";
import { ImageFolderSource } from "./image-folder-source.ts";
import { StillSource } from "./still-source.ts";
import type { CaptureCommonOptions, FrameSource, Logger, SourceSpec } from "./types.ts";

export interface CameraOptions extends CaptureCommonOptions {
  source: SourceSpec;
  /** Only used by ffmpeg-backed kinds. Default "ffmpeg" from PATH. */
  ffmpegPath?: string;
}

/** The right source for a camera's `source.kind`. Starts nothing. */
export function createFrameSource(options: CameraOptions, logger: Logger): FrameSource {
  const { source } = options;
  switch (source.kind) {
    case "folder":
      return new ImageFolderSource({ ...options, source }, logger);
    case "still":
      return new StillSource({ ...options, source }, logger);
    default:
      return new FfmpegSource({ ...options, source }, logger);
  }
}

/**
 * Reads the short form of a source a user types on the command line: `/dev/video0`, `rtsp://…`, `http(s)://…`,
 * a video file path, or a folder path ending in `/`.
 */
export function parseSourceUri(uri: string): SourceSpec {
  if (/^rtsps?:\/\//i.test(uri)) return { kind: "rtsp", url: uri };
  if (/^https?:\/\//i.test(uri)) return { kind: "http", url: uri };
  if (/^\/dev\/video\d+$/.test(uri)) return { kind: "v4l2", device: uri };
  if (uri.endsWith("/")) return { kind: "folder", path: uri };
  return { kind: "file", path: uri.replace(/^file:\/\//, "") };
}
