/**
 * The page's only door to the server. Every URL is relative to the page (`api/...`, never `/api/...`), so the
 * page works under any prefix: `web.base_path`, a reverse proxy or Home Assistant ingress.
 */
import type { Camera, Capture, Person, Session } from "./types.ts";

/** The server answered 401: the page shows its login form. */
export class AuthRequired extends Error {
  constructor() {
    super("password required");
  }
}

/** Any other refusal, with the server's `{"error": ...}` message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type AuthListener = () => void;
const authListeners = new Set<AuthListener>();

/** Called whenever a request is refused for want of a login (the session expired, the password changed). */
export function onAuthRequired(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

const seg = (value: string) => encodeURIComponent(value);

async function request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
    headers["Content-Type"] = contentType ?? (body.type || "application/octet-stream");
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "the facegate server cannot be reached");
  }
  if (response.status === 401 && path !== "api/login") {
    for (const listener of authListeners) listener();
    throw new AuthRequired();
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const message =
      data && typeof data === "object" && "error" in data && typeof data.error === "string"
        ? data.error
        : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return data as T;
}

export const api = {
  health: () => request<{ status: string; version: string }>("GET", "api/health"),
  session: () => request<Session>("GET", "api/session"),
  login: (password: string) => request<unknown>("POST", "api/login", { password }),
  logout: () => request<unknown>("POST", "api/logout"),

  people: () => request<Person[]>("GET", "api/people"),
  addPhoto: (name: string, photo: Blob) => request<unknown>("POST", `api/people/${seg(name)}/photos`, photo),
  removePerson: (name: string) => request<unknown>("DELETE", `api/people/${seg(name)}`),
  renamePerson: (name: string, to: string) =>
    request<unknown>("POST", `api/people/${seg(name)}/rename`, { to }),

  captures: (query: { unknown?: boolean; limit?: number } = {}) => {
    const params = new URLSearchParams();
    if (query.unknown) params.set("unknown", "1");
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const qs = params.toString();
    return request<Capture[]>("GET", `api/captures${qs ? `?${qs}` : ""}`);
  },
  assign: (id: string, name: string) => request<unknown>("POST", `api/captures/${seg(id)}/assign`, { name }),
  assignAll: (ids: string[], name: string) => request<unknown>("POST", "api/captures/assign", { ids, name }),
  reject: (id: string) => request<unknown>("POST", `api/captures/${seg(id)}/reject`),
  removeCapture: (id: string) => request<unknown>("DELETE", `api/captures/${seg(id)}`),

  cameras: () => request<Camera[]>("GET", "api/cameras"),
  reload: () => request<unknown>("POST", "api/reload"),
};

/**
 * A URL the server gave (under its base path, e.g. `/fg/api/captures/x/image`) made relative to the page, which
 * also works when a proxy put its own prefix in front.
 */
export function pageRelative(url: string): string {
  const at = url.indexOf("/api/");
  return at >= 0 ? url.slice(at + 1) : url;
}

/** URLs the browser loads by itself (img src, EventSource). */
export const urls = {
  captureImage: (id: string) => `api/captures/${seg(id)}/image`,
  cameraStream: (name: string) => `api/cameras/${seg(name)}/stream`,
  cameraLatest: (name: string, n: number) => `api/cameras/${seg(name)}/latest.jpg?n=${n}`,
  events: () => "api/events",
};
