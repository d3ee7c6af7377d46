/**
 * Every topic facegate publishes or listens to, and the payload each one carries. The publisher only
 * sends `OutgoingMessage`s built here, so a payload can never drift from its documented shape.
 */

import type { CameraStats, FaceEvent, ModelInfo } from "../events/types.ts";
import { slug } from "../system/slug.ts";

/** `<prefix>/<camera>/status` — retained. */
export type CameraState = "online" | "stalled" | "offline";

/** `<prefix>/people/<slug>` — retained presence of one enrolled person. */
export interface PresenceState {
  state: "home" | "not_home";
  name: string;
  /** Camera of the last sighting; null when not seen since facegate started. */
  camera: string | null;
  last_seen: string | null;
}

/** `<prefix>/<camera>/last_identified` — retained, so a dashboard shows who was seen last. */
export interface LastIdentified {
  name: string;
  score: number;
  masked: boolean;
  timestamp: string;
}

/**
 * `<prefix>/error` — retained; the last thing that went wrong and needs a person (a gallery reload that
 * failed and was rolled back). Cleared (empty retained payload) once the same source succeeds again.
 */
export interface DaemonError {
  /** What failed: "reload" (a gallery or model reload), "fleet" (a refused fleet gallery envelope). */
  source: string;
  message: string;
  timestamp: string;
}

/**
 * `<prefix>/fleet/applied` — retained; the fleet gallery this door runs (see src/fleet/): the signed envelope's
 * version and the sha256 of its gallery bytes, so a dashboard sees at a glance which doors are behind.
 */
export interface FleetApplied {
  version: number;
  sha256: string;
  /** Number of people in the gallery. */
  people: number;
  applied_at: string;
}

/** The topic → payload map. */
export interface PayloadMap {
  status: "online" | "offline";
  event: FaceEvent;
  stats: CameraStats;
  camera_status: CameraState;
  last_identified: LastIdentified;
  person: PresenceState | "";
  snapshot: Buffer;
  discovery: Record<string, unknown> | "";
  error: DaemonError | "";
  model: ModelInfo;
  fleet_applied: FleetApplied;
}

export type MessageKind = keyof PayloadMap;

export interface OutgoingMessage {
  kind: MessageKind;
  topic: string;
  payload: string | Buffer;
  retain: boolean;
  /**
   * Whether the message waits in the outbox while the broker is unreachable. Stats and snapshots are
   * stale by the time the broker is back, so they are dropped instead of pushing events out.
   */
  queue: boolean;
}

/** MQTT filter matching with '+' and '#', for the few wildcard subscriptions facegate makes. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export class Topics {
  constructor(
    readonly prefix: string,
    readonly discoveryPrefix = "homeassistant",
  ) {}

  status(): string {
    return `${this.prefix}/status`;
  }
  event(camera: string): string {
    return `${this.prefix}/${camera}/event`;
  }
  stats(camera: string): string {
    return `${this.prefix}/${camera}/stats`;
  }
  cameraStatus(camera: string): string {
    return `${this.prefix}/${camera}/status`;
  }
  lastIdentified(camera: string): string {
    return `${this.prefix}/${camera}/last_identified`;
  }
  snapshot(camera: string): string {
    return `${this.prefix}/${camera}/snapshot`;
  }
  person(name: string): string {
    return `${this.prefix}/people/${slug(name)}`;
  }
  /** Commands in: `{"command": "reload"}` or `{"command": "status"}` (or the bare word). */
  command(): string {
    return `${this.prefix}/command`;
  }
  error(): string {
    return `${this.prefix}/error`;
  }
  model(): string {
    return `${this.prefix}/model`;
  }
  fleetApplied(): string {
    return `${this.prefix}/fleet/applied`;
  }
  homeAssistantStatus(): string {
    return `${this.discoveryPrefix}/status`;
  }
  discovery(component: string, nodeId: string, objectId: string): string {
    return `${this.discoveryPrefix}/${component}/${nodeId}/${objectId}/config`;
  }
}

const json = (value: unknown): string => JSON.stringify(value);

/** Builders: the only way the rest of facegate makes an `OutgoingMessage`. */
export const messages = {
  status(topics: Topics, state: PayloadMap["status"]): OutgoingMessage {
    return { kind: "status", topic: topics.status(), payload: state, retain: true, queue: false };
  },
  event(topics: Topics, event: FaceEvent): OutgoingMessage {
    return {
      kind: "event",
      topic: topics.event(event.camera),
      payload: json(event),
      retain: false,
      queue: true,
    };
  },
  stats(topics: Topics, camera: string, stats: CameraStats): OutgoingMessage {
    return { kind: "stats", topic: topics.stats(camera), payload: json(stats), retain: false, queue: false };
  },
  cameraStatus(topics: Topics, camera: string, state: CameraState): OutgoingMessage {
    return {
      kind: "camera_status",
      topic: topics.cameraStatus(camera),
      payload: state,
      retain: true,
      queue: true,
    };
  },
  lastIdentified(topics: Topics, camera: string, last: LastIdentified): OutgoingMessage {
    const topic = topics.lastIdentified(camera);
    return { kind: "last_identified", topic, payload: json(last), retain: true, queue: true };
  },
  snapshot(topics: Topics, camera: string, jpeg: Buffer): OutgoingMessage {
    return { kind: "snapshot", topic: topics.snapshot(camera), payload: jpeg, retain: false, queue: false };
  },
  person(topics: Topics, name: string, state: PresenceState | ""): OutgoingMessage {
    const payload = state === "" ? "" : json(state);
    return { kind: "person", topic: topics.person(name), payload, retain: true, queue: true };
  },
  error(topics: Topics, error: DaemonError | ""): OutgoingMessage {
    const payload = error === "" ? "" : json(error);
    return { kind: "error", topic: topics.error(), payload, retain: true, queue: true };
  },
  model(topics: Topics, model: ModelInfo): OutgoingMessage {
    return { kind: "model", topic: topics.model(), payload: json(model), retain: true, queue: true };
  },
  fleetApplied(topics: Topics, applied: FleetApplied): OutgoingMessage {
    const topic = topics.fleetApplied();
    return { kind: "fleet_applied", topic, payload: json(applied), retain: true, queue: true };
  },
  discovery(topic: string, config: Record<string, unknown> | ""): OutgoingMessage {
    const payload = config === "" ? "" : json(config);
    return { kind: "discovery", topic, payload, retain: true, queue: true };
  },
};
