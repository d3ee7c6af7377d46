/**
 * What the page reads from the server (issue #11's `/api/*` contract). The JSON shapes of the API are written
 * out here because their server-side owners import Node modules the browser build cannot load; the face event
 * comes from its owner (`src/events`, plain types).
 */

export interface Person {
  name: string;
  /** Whole-face templates. */
  templates: number;
  /** Upper-face templates (masked matching). */
  masked_templates: number;
  last_seen: string | null;
  /** Faces a person said are not this one ("not this person"). */
  negatives?: number;
  /** URL of the face of the person's newest capture, if any. */
  thumbnail?: string | null;
}

export interface Capture {
  id: string;
  camera: string;
  time: string;
  /** The name the visit was given; null for an unknown face. */
  name: string | null;
  score: number;
  masked: boolean;
  track_id: string;
  image: string;
  /** Captures of the same stranger share a group id (the server clusters them). */
  group?: string | null;
}

export interface Camera {
  name: string;
  /** The capture state: starting, running, stalled, restarting, stopped. */
  state?: string;
  /** Why the state last changed (ffmpeg's error, …). */
  reason?: string | null;
  /** Frames per second arriving lately. */
  fps?: number;
}

/** `api/session`: whether this server asks for a password, and whether this browser is signed in. */
export interface Session {
  authenticated: boolean;
  password_required: boolean;
}

/** One face event: the MQTT `<prefix>/<camera>/event` payload, which `api/events` carries as it is. */
export type { FaceEvent } from "../../events/types.ts";
