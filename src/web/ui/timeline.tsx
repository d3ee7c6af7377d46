import { useState } from "preact/hooks";
import { CaptureCard } from "./capture-card.tsx";
import { usePageData } from "./context.ts";
import { ago, fullTime } from "./time.ts";
import type { FaceEvent } from "./types.ts";

const FIRST_SHOWN = 12;

/**
 * Recent visits, newest first: the server's captures (with the face and what can be done to it), and the live
 * decisions whose capture is not there yet (or never will be, with `captures.enabled: false`).
 */
export function Timeline({ now }: { now: number }) {
  const { captures, live, loaded, connected } = usePageData();
  const [shown, setShown] = useState(FIRST_SHOWN);
  const known = new Set(captures.map((c) => `${c.camera}\n${c.track_id}`));
  const pending = live.filter((e) => !known.has(`${e.camera}\n${e.track_id}`));
  return (
    <section class="card" aria-labelledby="timeline-title" id="timeline">
      <h2 id="timeline-title">
        Recent visits{" "}
        <span class={connected ? "badge state-online" : "badge state-offline"}>
          {connected ? "live" : "not live"}
        </span>
      </h2>
      {loaded && captures.length === 0 && pending.length === 0 && <p class="empty">No visit yet.</p>}
      <ul class="plain capture-list">
        {pending.map((e) => (
          <li key={`live-${e.camera}-${e.track_id}`}>
            <LiveEvent event={e} now={now} />
          </li>
        ))}
        {captures.slice(0, shown).map((c) => (
          <li key={c.id}>
            <CaptureCard capture={c} now={now} />
          </li>
        ))}
      </ul>
      {captures.length > shown && (
        <div class="actions">
          <button type="button" onClick={() => setShown(shown + FIRST_SHOWN)}>
            Show more visits
          </button>
        </div>
      )}
    </section>
  );
}

function LiveEvent({ event, now }: { event: FaceEvent; now: number }) {
  const name = event.name ?? "Unknown";
  return (
    <article class="capture live" aria-label={`${name}, ${event.camera}, ${fullTime(event.timestamp)}`}>
      <div class="face face-m placeholder" aria-hidden="true">
        {name.slice(0, 1)}
      </div>
      <div class="capture-body">
        <p class="capture-title">
          <strong class={event.name ? "name" : "name unknown"}>{name}</strong>
          {event.masked && <span class="badge">masked</span>}
        </p>
        <p class="muted">
          {event.camera} ·{" "}
          <time dateTime={event.timestamp} title={fullTime(event.timestamp)}>
            {ago(event.timestamp, now)}
          </time>
        </p>
      </div>
    </article>
  );
}
