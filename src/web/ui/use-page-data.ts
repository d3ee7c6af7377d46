import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { AuthRequired, api, urls } from "./api.ts";
import type { PageData } from "./context.ts";
import type { FaceEvent } from "./types.ts";

const RECENT_LIMIT = 60;
const UNKNOWN_LIMIT = 200;
const LIVE_KEEP = 30;
/** Even with the live stream up, re-read everything now and then (camera fps, visits while disconnected). */
const POLL_MS = 30_000;
/** A decision is announced before its capture is written: wait a moment before re-reading the captures. */
const AFTER_EVENT_MS = 800;

const EMPTY: PageData = {
  people: [],
  captures: [],
  unknown: [],
  cameras: [],
  live: [],
  connected: false,
  loaded: false,
};

function isFaceEvent(value: unknown): value is FaceEvent {
  if (!value || typeof value !== "object") return false;
  const v = value as Partial<FaceEvent>;
  return (
    (v.type === "identified" || v.type === "unknown" || v.type === "left") &&
    typeof v.camera === "string" &&
    typeof v.track_id === "string"
  );
}

/**
 * Loads the page's data while `active` (logged in), follows `api/events` and re-reads what an event changes.
 * `onError` gets failures other than a missing login (which the API layer reports on its own).
 */
export function usePageData(active: boolean, onError: (message: string) => void) {
  const [data, setData] = useState<PageData>(EMPTY);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loading = useRef<Promise<void> | null>(null);
  const queued = useRef<Promise<void> | null>(null);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  const refresh = useCallback(async function refreshNow(): Promise<void> {
    // A load that starts from now on sees every change made so far: the refresh an event scheduled is not needed.
    if (pending.current) {
      clearTimeout(pending.current);
      pending.current = null;
    }
    // One load at a time. Asked for during a load: one more load after it, shared by everyone who asks meanwhile.
    if (queued.current) return queued.current;
    if (loading.current) {
      queued.current = loading.current.then(() => {
        queued.current = null;
        return refreshNow();
      });
      return queued.current;
    }
    const load = (async () => {
      try {
        const [people, captures, unknown, cameras] = await Promise.all([
          api.people(),
          api.captures({ limit: RECENT_LIMIT }),
          api.captures({ unknown: true, limit: UNKNOWN_LIMIT }),
          api.cameras(),
        ]);
        setData((d) => ({ ...d, people, captures, unknown, cameras, loaded: true }));
      } catch (error) {
        if (!(error instanceof AuthRequired)) onErrorRef.current((error as Error).message);
      }
    })();
    loading.current = load;
    await load;
    loading.current = null;
  }, []);

  const refreshSoon = useCallback(() => {
    if (pending.current) clearTimeout(pending.current);
    pending.current = setTimeout(() => {
      pending.current = null;
      void refresh();
    }, AFTER_EVENT_MS);
  }, [refresh]);

  useEffect(() => {
    if (!active) {
      setData(EMPTY);
      return;
    }
    void refresh();
    const source = new EventSource(urls.events());
    const onFace = (message: MessageEvent<string>) => {
      let payload: unknown;
      try {
        payload = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!isFaceEvent(payload)) return;
      const event = payload;
      if (event.type === "left") return;
      setData((d) => ({ ...d, live: [event, ...d.live].slice(0, LIVE_KEEP) }));
      refreshSoon();
    };
    // unnamed events are the MQTT face events; named ones say a capture, a camera or the gallery changed
    source.onmessage = onFace;
    for (const name of ["capture", "camera", "reload"]) source.addEventListener(name, refreshSoon);
    source.onopen = () => setData((d) => ({ ...d, connected: true }));
    source.onerror = () => {
      setData((d) => ({ ...d, connected: false }));
      // a stream refused for want of a login closes for good: ask the API, which shows the login form
      if (source.readyState === EventSource.CLOSED) void refresh();
    };
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
    }, POLL_MS);
    const onVisible = () => {
      if (document.visibilityState === "visible") void refresh();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      source.close();
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
      if (pending.current) clearTimeout(pending.current);
    };
  }, [active, refresh, refreshSoon]);

  return { data, refresh };
}
