import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { CaptureCard, CaptureImage } from "./capture-card.tsx";
import { useActions, usePageData } from "./context.ts";
import { type CaptureGroup, groupCaptures } from "./groups.ts";
import { NameForm } from "./name-form.tsx";
import { ago, fullTime } from "./time.ts";

const STRIP = 6;

/** Unknown visitors, one card per stranger (the server's groups), newest first: name them or let them go. */
export function WhoQueue({ now }: { now: number }) {
  const { unknown, loaded } = usePageData();
  const groups = groupCaptures(unknown);
  return (
    <section class="card" aria-labelledby="who-title" id="who">
      <h2 id="who-title">Who is this? {groups.length > 0 && <span class="count">{groups.length}</span>}</h2>
      {loaded && groups.length === 0 && (
        <p class="empty">Nobody to name: unknown visitors appear here, grouped by face.</p>
      )}
      <ul class="plain group-list">
        {groups.map((group) => (
          <li key={group.key}>
            <GroupCard group={group} now={now} />
          </li>
        ))}
      </ul>
    </section>
  );
}

const ids = (group: CaptureGroup) => group.captures.map((c) => c.id);

async function eachCapture(group: CaptureGroup, action: (id: string) => Promise<unknown>): Promise<number> {
  // one after another: deleting is cheap, and a failure stops at the capture it names
  for (const capture of group.captures) await action(capture.id);
  return group.captures.length;
}

function GroupCard({ group, now }: { group: CaptureGroup; now: number }) {
  const { act } = useActions();
  const [expanded, setExpanded] = useState(false);
  const count = group.captures.length;
  const visits = count === 1 ? "1 visit" : `${count} visits`;
  const plural = (n: number) => (n === 1 ? "1 photo" : `${n} photos`);

  const assign = (name: string) =>
    act(
      (n) => `Assigned ${plural(n as number)} to ${name}.`,
      () => api.assignAll(ids(group), name).then(() => group.captures.length),
    );
  const remove = () =>
    act(
      (n) => `Deleted ${plural(n as number)}.`,
      () => eachCapture(group, (id) => api.removeCapture(id)),
    );

  return (
    <article class="group" aria-label={`Unknown visitor, ${visits}, last ${fullTime(group.latest)}`}>
      <div class="strip">
        {group.captures.slice(0, STRIP).map((c) => (
          <CaptureImage key={c.id} capture={c} size="s" />
        ))}
        {count > STRIP && <span class="more">+{count - STRIP}</span>}
      </div>
      <p class="muted">
        {visits} · {group.cameras.join(", ")} · last{" "}
        <time dateTime={group.latest} title={fullTime(group.latest)}>
          {ago(group.latest, now)}
        </time>
      </p>
      <NameForm label={count === 1 ? "This is" : `All ${count} are`} submitLabel="Assign" onSubmit={assign} />
      <div class="actions">
        {count > 1 && (
          <button type="button" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
            {expanded ? "Hide each photo" : "Show each photo"}
          </button>
        )}
        <button type="button" class="danger" onClick={remove}>
          {count === 1 ? "Delete" : `Delete all ${count}`}
        </button>
      </div>
      {expanded && count > 1 && (
        <ul class="plain capture-list">
          {group.captures.map((c) => (
            <li key={c.id}>
              <CaptureCard capture={c} now={now} />
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
