import { useEffect, useRef } from "preact/hooks";

/**
 * Focuses the element when it appears (a form the user just opened, the safe button of a confirmation).
 * The `autofocus` attribute works only once per page load, so it cannot do this.
 */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}
