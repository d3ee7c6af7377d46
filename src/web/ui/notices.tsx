import { useCallback, useRef, useState } from "preact/hooks";

export interface Notice {
  id: number;
  text: string;
  kind: "info" | "error";
}

/** Short messages after an action ("Assigned 3 photos to Ann", or the server's refusal), read out by screen readers. */
export function useNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  const notify = useCallback(
    (text: string, kind: Notice["kind"] = "info") => {
      const id = next.current++;
      setNotices((list) => [...list.slice(-3), { id, text, kind }]);
      setTimeout(() => dismiss(id), kind === "error" ? 12_000 : 5_000);
    },
    [dismiss],
  );
  return { notices, notify, dismiss };
}

export function NoticeArea({ notices, dismiss }: { notices: Notice[]; dismiss: (id: number) => void }) {
  return (
    <div class="notices" aria-live="polite" aria-atomic="false">
      {notices.map((n) => (
        <div key={n.id} class={`notice notice-${n.kind}`} role={n.kind === "error" ? "alert" : "status"}>
          <span>{n.text}</span>
          <button
            type="button"
            class="icon-button"
            aria-label="Dismiss message"
            onClick={() => dismiss(n.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
