import { useState } from "preact/hooks";
import { usePageData } from "./context.ts";

let nextId = 1;

/**
 * "This is …": pick an enrolled person from the list or type a new name. The list is a native datalist, so
 * phones show their own picker and the keyboard works as in any text field.
 */
export function NameForm({
  label,
  submitLabel,
  onSubmit,
  exclude,
}: {
  label: string;
  submitLabel: string;
  onSubmit: (name: string) => Promise<boolean>;
  /** A name not offered (the one a capture already has). */
  exclude?: string | null;
}) {
  const { people } = usePageData();
  const [id] = useState(() => `name-${nextId++}`);
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const trimmed = name.trim();
  const isNew = trimmed !== "" && !people.some((p) => p.name === trimmed);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!trimmed || busy) return;
    setBusy(true);
    const ok = await onSubmit(trimmed);
    setBusy(false);
    if (ok) setName("");
  };

  return (
    <form onSubmit={submit}>
      <label for={id}>{label}</label>
      <div class="row">
        <input
          id={id}
          type="text"
          list={`${id}-people`}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          placeholder="Name"
          autocomplete="off"
          maxLength={100}
          required
        />
        <datalist id={`${id}-people`}>
          {people
            .filter((p) => p.name !== exclude)
            .map((p) => (
              <option key={p.name} value={p.name} />
            ))}
        </datalist>
        <button type="submit" class="primary" disabled={!trimmed || busy}>
          {busy ? "…" : isNew ? `${submitLabel} (new)` : submitLabel}
        </button>
      </div>
    </form>
  );
}
