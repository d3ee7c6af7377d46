import { useEffect, useRef, useState } from "preact/hooks";
import { urls } from "./api.ts";
import { usePageData } from "./context.ts";
import type { Camera } from "./types.ts";

/**
 * A browser keeps at most six connections per server: each MJPEG stream holds one for good, and the event
 * stream another. Beyond this many cameras the page polls `latest.jpg` instead.
 */
const MAX_STREAMS = 2;
const POLL_MS = 1000;
const RETRY_MS = 3000;

export function Cameras() {
  const { cameras, loaded } = usePageData();
  return (
    <section class="card" aria-labelledby="cameras-title" id="cameras">
      <h2 id="cameras-title">Cameras</h2>
      {loaded && cameras.length === 0 && <p class="empty">No camera is configured.</p>}
      <div class="camera-grid">
        {cameras.map((camera) => (
          <CameraView key={camera.name} camera={camera} stream={cameras.length <= MAX_STREAMS} />
        ))}
      </div>
    </section>
  );
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === "visible");
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);
  return visible;
}

/** One camera: the MJPEG stream (boxes and names drawn by the server), or polled stills when streaming fails. */
function CameraView({ camera, stream }: { camera: Camera; stream: boolean }) {
  const visible = usePageVisible();
  const [mode, setMode] = useState<"stream" | "poll">(stream ? "stream" : "poll");
  const [frame, setFrame] = useState(0);
  const [failed, setFailed] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setMode(stream ? "stream" : "poll"), [stream]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const later = (ms: number) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setFrame((n) => n + 1), ms);
  };
  const onLoad = () => {
    setFailed(false);
    if (mode === "poll") later(POLL_MS);
  };
  const onError = () => {
    setFailed(true);
    // a stream the browser or a proxy cannot keep open: fall back to stills
    if (mode === "stream") setMode("poll");
    later(RETRY_MS);
  };

  // a hidden tab stops the stream (no frames encoded for nobody on a small board)
  const src = !visible
    ? undefined
    : mode === "stream"
      ? urls.cameraStream(camera.name)
      : urls.cameraLatest(camera.name, frame);
  const state = camera.state ?? "unknown";
  return (
    <figure class="camera">
      <div class="camera-frame">
        {src && (
          <img
            src={src}
            alt={`Live view of camera ${camera.name}, with boxes and names of the faces it sees`}
            onLoad={onLoad}
            onError={onError}
            data-camera={camera.name}
          />
        )}
        {failed && <span class="camera-offline">No picture yet</span>}
      </div>
      <figcaption>
        <strong>{camera.name}</strong>
        <span class={`badge state-${state}`} title={camera.reason ?? undefined}>
          {state}
        </span>
        {typeof camera.fps === "number" && <span class="muted">{camera.fps.toFixed(1)} fps</span>}
      </figcaption>
    </figure>
  );
}
