export { Backoff } from "./backoff.ts";
export { type CameraOptions, createFrameSource, parseSourceUri } from "./create-source.ts";
export { CaptureConfigError, CaptureRunError } from "./errors.ts";
export { buildFfmpegArgs, redact } from "./ffmpeg-args.ts";
export { FfmpegSource, type FfmpegSourceOptions } from "./ffmpeg-source.ts";
export { FrameMailbox } from "./frame-mailbox.ts";
export { ImageFolderSource, type ImageFolderSourceOptions } from "./image-folder-source.ts";
export { StillSource, type StillSourceOptions } from "./still-source.ts";
export type * from "./types.ts";
