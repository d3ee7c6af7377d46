import type { Thresholds } from "../recognition/matcher.ts";
import type { WebAuth } from "./auth.ts";
import type { CaptureGroupCache } from "./capture-groups.ts";
import type { CaptureRecorder } from "./capture-recorder.ts";
import type { EventStream } from "./event-stream.ts";
import type { LiveView } from "./live-view.ts";
import type { Teacher } from "./teacher.ts";

/** What the API's routes share: built once by WebOutput. */
export interface WebContext {
  /** "" or "/prefix": put in front of every URL the API returns. */
  basePath: string;
  version: string;
  auth: WebAuth;
  teacher: Teacher;
  live: LiveView;
  events: EventStream;
  recorder: CaptureRecorder | null;
  /** The thresholds that group unknown captures of the same stranger, and the last grouping. */
  groupThresholds: () => Thresholds;
  groups: CaptureGroupCache;
  /** Last sighting per person since the daemon started (captures give older ones). */
  lastSeen: ReadonlyMap<string, string>;
  reload: (trigger: string) => Promise<boolean>;
  /** Open MJPEG streams, each by the function that ends it (shutdown ends them all). */
  streams: Set<() => void>;
}

/** A URL of this server as the client must ask for it (under the base path). */
export function urlOf(ctx: Pick<WebContext, "basePath">, path: string): string {
  return `${ctx.basePath}${path}`;
}
