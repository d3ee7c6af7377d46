import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Camera, Capture, FaceEvent, Person } from "./types.ts";

/** Everything the page shows, loaded from the API and kept fresh by the live event stream. */
export interface PageData {
  people: Person[];
  /** Recent captures, identified and unknown, newest first. */
  captures: Capture[];
  /** Unknown captures (the "Who is this?" queue), newest first. */
  unknown: Capture[];
  cameras: Camera[];
  /** Recent decisions from the live stream, newest first (shown until their capture appears). */
  live: FaceEvent[];
  /** Whether the live event stream is connected. */
  connected: boolean;
  loaded: boolean;
}

export interface PageActions {
  /**
   * Runs an action that changes something on the server, reports its outcome and refreshes the page.
   * Resolves true when it succeeded.
   */
  act: (done: string | ((result: unknown) => string), action: () => Promise<unknown>) => Promise<boolean>;
  notify: (text: string, kind?: "info" | "error") => void;
}

export const DataContext = createContext<PageData | null>(null);
export const ActionsContext = createContext<PageActions | null>(null);

export function usePageData(): PageData {
  const data = useContext(DataContext);
  if (!data) throw new Error("usePageData outside the page");
  return data;
}

export function useActions(): PageActions {
  const actions = useContext(ActionsContext);
  if (!actions) throw new Error("useActions outside the page");
  return actions;
}
