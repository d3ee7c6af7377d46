import { useState } from "preact/hooks";
import { api, pageRelative } from "./api.ts";
import { type PageActions, useActions, usePageData } from "./context.ts";
import { useFocusOnMount } from "./focus.ts";
import { preparePhoto } from "./photos.ts";
import { ago, fullTime } from "./time.ts";
import type { Person } from "./types.ts";

/** Enrolled people: face, template counts, last seen; add photos (files or the phone's camera), rename, remove. */
export function People({ now }: { now: number }) {
  const { people, loaded } = usePageData();
  return (
    <section class="card" aria-labelledby="people-title" id="people">
      <h2 id="people-title">People {people.length > 0 && <span class="count">{people.length}</span>}</h2>
      <NewPerson />
      {loaded && people.length === 0 && (
        <p class="empty">Nobody is enrolled yet: name a visitor above, or add a person with a few photos.</p>
      )}
      <ul class="plain people-list">
        {people.map((p) => (
          <li key={p.name}>
            <PersonCard person={p} now={now} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Sends photos one by one; each refusal (no face, too small, too blurred…) is reported with the server's reason. */
async function uploadPhotos(
  name: string,
  files: FileList | null,
  { act, notify }: PageActions,
): Promise<void> {
  const list = [...(files ?? [])];
  if (list.length === 0) return;
  let accepted = 0;
  for (const file of list) {
    try {
      await api.addPhoto(name, await preparePhoto(file));
      accepted++;
    } catch (error) {
      notify(`${file.name}: ${(error as Error).message}`, "error");
    }
  }
  if (accepted > 0) {
    await act(`Added ${accepted === 1 ? "1 photo" : `${accepted} photos`} to ${name}.`, async () => accepted);
  }
}

function PhotoInputs({ name, idPrefix, disabled }: { name: string; idPrefix: string; disabled?: boolean }) {
  const actions = useActions();
  const [busy, setBusy] = useState(false);
  const onChange = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    setBusy(true);
    await uploadPhotos(name, input.files, actions);
    input.value = "";
    setBusy(false);
  };
  const off = disabled || busy;
  // each input comes before its label: the label looks like a button and shows the input's keyboard focus
  return (
    <div class="actions">
      <input
        id={`${idPrefix}-files`}
        class="visually-hidden"
        type="file"
        accept="image/*"
        multiple
        disabled={off}
        onChange={onChange}
      />
      <label class={off ? "button disabled" : "button"} for={`${idPrefix}-files`}>
        {busy ? "Uploading…" : "Add photos"}
        {name && <span class="visually-hidden"> of {name}</span>}
      </label>
      <input
        id={`${idPrefix}-camera`}
        class="visually-hidden"
        type="file"
        accept="image/*"
        capture="user"
        disabled={off}
        onChange={onChange}
      />
      <label class={off ? "button disabled" : "button"} for={`${idPrefix}-camera`}>
        Take a photo
        {name && <span class="visually-hidden"> of {name}</span>}
      </label>
    </div>
  );
}

function NewPerson() {
  const [name, setName] = useState("");
  const trimmed = name.trim();
  return (
    <details class="new-person">
      <summary>Add a person from photos</summary>
      <label for="new-person-name">Name</label>
      <input
        id="new-person-name"
        type="text"
        value={name}
        maxLength={100}
        autocomplete="off"
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <PhotoInputs name={trimmed} idPrefix="new-person" disabled={!trimmed} />
      <p class="muted">
        A few photos of the face, front and slightly turned; each is checked and the reason told if refused.
      </p>
    </details>
  );
}

function PersonCard({ person, now }: { person: Person; now: number }) {
  // the face of the person's newest capture, named by the server
  const thumbnail = person.thumbnail ? pageRelative(person.thumbnail) : null;
  const [mode, setMode] = useState<"view" | "rename" | "remove">("view");
  const slug = `person-${encodeURIComponent(person.name).replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const back = () => setMode("view");

  return (
    <article class="person" aria-labelledby={`${slug}-name`}>
      {thumbnail ? (
        <img
          class="face face-m"
          src={thumbnail}
          alt={`Face of ${person.name}`}
          width={96}
          height={96}
          loading="lazy"
        />
      ) : (
        <div class="face face-m placeholder" aria-hidden="true">
          {person.name.slice(0, 1).toUpperCase()}
        </div>
      )}
      <div class="person-body">
        <h3 id={`${slug}-name`}>{person.name}</h3>
        <p class="muted">
          <span title="face templates: whole face, upper face (masked matching), faces said not to be them">
            {person.templates} {person.templates === 1 ? "template" : "templates"} · {person.masked_templates}{" "}
            masked{person.negatives ? ` · ${person.negatives} not them` : ""}
          </span>{" "}
          · seen{" "}
          <time dateTime={person.last_seen ?? undefined} title={fullTime(person.last_seen)}>
            {ago(person.last_seen, now)}
          </time>
        </p>
        {mode === "view" && (
          <>
            <PhotoInputs name={person.name} idPrefix={slug} />
            <div class="actions">
              <button type="button" onClick={() => setMode("rename")}>
                Rename
              </button>
              <button type="button" class="danger" onClick={() => setMode("remove")}>
                Remove
              </button>
            </div>
          </>
        )}
        {mode === "rename" && <RenameForm name={person.name} id={`${slug}-rename`} done={back} />}
        {mode === "remove" && <RemoveConfirm name={person.name} done={back} />}
      </div>
    </article>
  );
}

function RenameForm({ name, id, done }: { name: string; id: string; done: () => void }) {
  const { act } = useActions();
  const [to, setTo] = useState(name);
  const field = useFocusOnMount<HTMLInputElement>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const target = to.trim();
    if (!target || target === name) return done();
    if (await act(`Renamed ${name} to ${target}.`, () => api.renamePerson(name, target))) done();
  };
  return (
    <form class="name-form" onSubmit={submit}>
      <label for={id}>New name for {name}</label>
      <div class="row">
        <input
          id={id}
          ref={field}
          type="text"
          value={to}
          maxLength={100}
          required
          onInput={(e) => setTo(e.currentTarget.value)}
        />
        <button type="submit" class="primary">
          Rename
        </button>
        <button type="button" onClick={done}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RemoveConfirm({ name, done }: { name: string; done: () => void }) {
  const { act } = useActions();
  const keep = useFocusOnMount<HTMLButtonElement>();
  const remove = async () => {
    if (!(await act(`Removed ${name}.`, () => api.removePerson(name)))) done();
  };
  return (
    <fieldset class="confirm">
      <legend class="visually-hidden">Remove {name}?</legend>
      <p>Remove {name} and all their templates and captures? facegate will no longer recognise them.</p>
      <div class="actions">
        <button type="button" class="danger" onClick={remove}>
          Remove {name}
        </button>
        <button type="button" ref={keep} onClick={done}>
          Keep
        </button>
      </div>
    </fieldset>
  );
}
