import { statSync } from "node:fs";
import { extname } from "node:path";
import { type CameraOptions, parseSourceUri } from "../capture/create-source.ts";
import type { SourceSpec } from "../capture/types.ts";
import type { CameraSettings } from "../settings/schema.ts";

const VIDEO_EXTENSIONS = new Set([
  ".mp4",
  ".mkv",
  ".avi",
  ".mov",
  ".webm",
  ".mjpeg",
  ".mjpg",
  ".h264",
  ".ts",
]);

/** Whether a path names a folder: by the disk when it exists, else by its look (no video extension). */
function looksLikeFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return !VIDEO_EXTENSIONS.has(extname(path).toLowerCase());
  }
}

/** The capture source for a camera's settings. Relative paths were made absolute by the settings loader. */
export function sourceSpecFor(camera: CameraSettings): SourceSpec {
  if (camera.still_command) {
    return { kind: "still", command: camera.still_command.split(/\s+/).filter(Boolean) };
  }
  const spec = parseSourceUri(camera.source);
  switch (spec.kind) {
    case "file":
      // A path without a trailing slash parses as a file; a folder of images is a folder source.
      if (looksLikeFolder(spec.path)) return { kind: "folder", path: spec.path, loop: camera.loop };
      return { ...spec, loop: camera.loop, realtime: true };
    case "folder":
      return { ...spec, loop: camera.loop };
    case "v4l2":
      return { ...spec, inputFormat: camera.input_format };
    case "http":
      return { ...spec, inputFormat: camera.input_format };
    default:
      return spec;
  }
}

export function cameraOptionsFor(name: string, camera: CameraSettings): CameraOptions {
  return {
    camera: name,
    source: sourceSpecFor(camera),
    width: camera.width,
    height: camera.height,
    fps: camera.fps,
    stallTimeoutS: camera.stall_timeout_s,
  };
}

/** Whether a local source (file or folder) is missing, for a clear start-up message. */
export function missingLocalSource(spec: SourceSpec): string | null {
  if (spec.kind !== "file" && spec.kind !== "folder") return null;
  try {
    statSync(spec.path);
    return null;
  } catch {
    return spec.path;
  }
}
