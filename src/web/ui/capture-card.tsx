import { useState } from "preact/hooks";
import { api, urls } from "./api.ts";
import { useActions } from "./context.ts";
import { NameForm } from "./name-form.tsx";
import { ago, fullTime } from "./time.ts";
import type { Capture } from "./types.ts";

function captureLabel(capture: Capture): string {
  return capture.name ?? "Unknown";
}

/** The face crop of a capture (lazy: long lists load only what is on screen). */
export function CaptureImage({ capture, size = "m" }: { capture: Capture; size?: "s" | "m" }) {
  return (
    <img
      class={`face face-${size}`}
      src={urls.captureImage(capture.id)}
      alt={`Face of ${captureLabel(capture)} at ${capture.camera}, ${fullTime(capture.time)}`}
      loading="lazy"
      decoding="async"
      width={size === "s" ? 56 : 96}
      height={size === "s" ? 56 : 96}
    />
  );
}

/**
 * One capture with what can be done to it: assign to a person (pick or type), "not this person" when it was
 * named, delete.
 */
export function CaptureCard({ capture, now }: { capture: Capture; now: number }) {
  const { act } = useActions();
  const [open, setOpen] = useState(false);
  const named = capture.name !== null;
  const score = `${Math.round(capture.score * 100)} %`;

  const assign = (name: string) => act(`Assigned to ${name}.`, () => api.assign(capture.id, name));
  const reject = () =>
    act(`${capture.name} will not be given to this face again.`, () => api.reject(capture.id));
  const remove = () => act("Capture deleted.", () => api.removeCapture(capture.id));

  return (
    <article
      class="capture"
      aria-label={`${captureLabel(capture)}, ${capture.camera}, ${fullTime(capture.time)}`}
    >
      <CaptureImage capture={capture} />
      <div class="capture-body">
        <p class="capture-title">
          <strong class={named ? "name" : "name unknown"}>{captureLabel(capture)}</strong>
          {capture.masked && <span class="badge">masked</span>}
        </p>
        <p class="muted">
          {capture.camera} ·{" "}
          <time dateTime={capture.time} title={fullTime(capture.time)}>
            {ago(capture.time, now)}
          </time>
          {named && ` · ${score}`}
        </p>
        <div class="actions">
          {named && (
            <button type="button" class="warn" onClick={reject} title="This face is not this person">
              Not {capture.name}
            </button>
          )}
          <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {named ? "Someone else…" : "Who is it…"}
          </button>
          <button
            type="button"
            class="danger"
            onClick={remove}
            aria-label={`Delete this capture of ${captureLabel(capture)}`}
          >
            Delete
          </button>
        </div>
        {open && (
          <NameForm
            label={`Who is this (${capture.camera}, ${ago(capture.time, now)})?`}
            submitLabel="Assign"
            exclude={capture.name}
            onSubmit={async (name) => {
              const ok = await assign(name);
              if (ok) setOpen(false);
              return ok;
            }}
          />
        )}
      </div>
    </article>
  );
}
