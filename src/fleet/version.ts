import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../system/write-atomic.ts";

/**
 * Envelope versions only grow. A publisher takes the largest of: the version retained on the topic + 1 (another
 * publisher's last one included), its own counter + 1 (kept next to the key, so a broker that lost its retained
 * message cannot make it go back), and the current time in milliseconds (so two publishers with the same key
 * and no shared state still pick distinct, growing versions). Doors refuse anything not newer than what they
 * run, so a replayed older envelope does nothing.
 */
export function nextVersion(retained: number | null, counter: number | null, nowMs: number): number {
  return Math.max(Math.floor(nowMs), (retained ?? 0) + 1, (counter ?? 0) + 1);
}

const STATE_FILE = "fleet.state.json";
const STATE_FORMAT = "facegate-fleet-publisher";

export interface PublisherState {
  format: typeof STATE_FORMAT;
  last_version: number;
  last_sha256: string;
  topic: string;
  published_at: string;
}

export const stateFileFor = (keyPath: string) => join(dirname(keyPath), STATE_FILE);

/** The publisher's counter; null when there is none yet. A damaged file is reported and not trusted. */
export function readPublisherState(path: string): { state: PublisherState | null; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { state: null };
    return { state: null, problem: `${path} cannot be read (${(err as NodeJS.ErrnoException).code})` };
  }
  try {
    const state = JSON.parse(text) as PublisherState;
    if (state.format === STATE_FORMAT && Number.isSafeInteger(state.last_version)) return { state };
  } catch {
    // reported below
  }
  return { state: null, problem: `${path} is damaged; the version comes from the broker and the clock` };
}

export function writePublisherState(path: string, state: Omit<PublisherState, "format">): void {
  writeFileAtomic(path, `${JSON.stringify({ format: STATE_FORMAT, ...state }, null, 2)}\n`, 0o600);
}
