/**
 * What the page reads from the server (issue #11's `/api/*` contract). The page's own copy: the UI is built
 * for the browser and must not import Node-side modules; the shapes are the API's, not new ones.
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

export type FaceEventType = "identified" | "unknown" | "left";

/** One face event, the same payload as MQTT's `<prefix>/<camera>/event`. */
export interface FaceEvent {
  type: FaceEventType;
  name: string | null;
  score: number;
  masked: boolean;
  track_id: string;
  camera: string;
  box: [number, number, number, number];
  first_seen: string;
  timestamp: string;
}
