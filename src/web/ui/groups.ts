import type { Capture } from "./types.ts";

/** Unknown captures of one stranger (same group id from the server), newest first. */
export interface CaptureGroup {
  key: string;
  captures: Capture[];
  /** Time of the newest capture. */
  latest: string;
  cameras: string[];
}

/**
 * Groups captures by the server's group id (a capture without one is its own group), keeping the newest-first
 * order of the list both between groups (by their newest capture) and inside each group.
 */
export function groupCaptures(captures: readonly Capture[]): CaptureGroup[] {
  const byKey = new Map<string, CaptureGroup>();
  for (const capture of captures) {
    const key = capture.group ? `g:${capture.group}` : `c:${capture.id}`;
    let group = byKey.get(key);
    if (!group) {
      group = { key, captures: [], latest: capture.time, cameras: [] };
      byKey.set(key, group);
    }
    group.captures.push(capture);
    if (capture.time > group.latest) group.latest = capture.time;
    if (!group.cameras.includes(capture.camera)) group.cameras.push(capture.camera);
  }
  const groups = [...byKey.values()];
  for (const g of groups) g.captures.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  return groups.sort((a, b) => (a.latest < b.latest ? 1 : a.latest > b.latest ? -1 : 0));
}
