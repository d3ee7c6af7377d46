/** Small helpers for capture tests: a silent logger, waiting for conditions, checking children are gone. */
import { existsSync, readFileSync } from "node:fs";
import type { CaptureStatus, FrameSource, Logger } from "../../src/capture/types.ts";

/** A pino-compatible logger that keeps warnings/errors in memory (set DEBUG_CAPTURE=1 to print them). */
export function memoryLogger(lines: string[] = []): Logger {
  const write = (level: string) => (obj: object | string, msg?: string) => {
    const line = `${level} ${msg ?? ""} ${typeof obj === "string" ? obj : JSON.stringify(obj)}`;
    lines.push(line);
    if (process.env.DEBUG_CAPTURE) console.error(line);
  };
  const logger: Logger = {
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

/** Polls until `check()` is true; throws with `what` after `timeoutMs` (generous: never a timing assertion). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records every status event of a source. */
export function recordStatuses(source: FrameSource): CaptureStatus[] {
  const seen: CaptureStatus[] = [];
  source.onStatus((s) => seen.push(s));
  return seen;
}

/** True while a process with this pid exists, zombie included (a zombie still has /proc/<pid>). */
export function processExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Pids of this process's children (from /proc), to prove that nothing was left behind. */
export function childPids(): number[] {
  const out: number[] = [];
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim();
    for (const p of children.split(/\s+/)) if (p) out.push(Number(p));
  } catch {
    // /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN; absent → unknown, checked by pid instead
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
