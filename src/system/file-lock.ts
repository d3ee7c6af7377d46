import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { isAlive } from "./write-atomic.ts";

/**
 * An exclusive lock between processes (and between callers in one process) as a lock file made with O_EXCL:
 * whoever creates `<path>` holds the lock until it deletes it. The file says who holds it (`{"pid","at"}`), so a
 * lock left by a process that died (kill -9, power cut) is taken over at once instead of blocking for ever. Node
 * has no flock(2); an O_EXCL create is atomic on every local filesystem.
 *
 * Callers keep the locked section short and synchronous (read, change, write): waiting is the only slow part.
 */

export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    holder: string,
  ) {
    super(
      `${lockPath} is held by ${holder}; another facegate command is changing the same file. If none is ` +
        "running, delete the lock file.",
    );
    this.name = "LockTimeoutError";
  }
}

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between two attempts (default 25 ms). */
  retryMs?: number;
}

/** A lock file nobody could have written completely after this long is debris (its writer died mid-write). */
const UNREADABLE_STALE_MS = 10_000;

interface Holder {
  pid: number;
  at: string;
}

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as Holder;
    return Number.isInteger(h.pid) && h.pid > 0 ? h : null;
  } catch {
    return null;
  }
}

/** Whether an existing lock file belongs to nobody any more. */
function isStale(path: string): boolean {
  const holder = readHolder(path);
  if (holder) return holder.pid !== process.pid && !isAlive(holder.pid);
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return false; // gone already: the next attempt creates it
  }
}

/**
 * One attempt. A stale lock is moved aside (rename is atomic: of two processes breaking the same stale lock, only
 * one rename succeeds) and deleted, then the lock is tried again.
 */
function tryAcquire(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (!isStale(path)) return false;
    const aside = `${path}.stale.${process.pid}.${Date.now()}`;
    try {
      renameSync(path, aside);
      rmSync(aside, { force: true });
    } catch {
      // Someone else broke it first; try once more.
    }
  }
  return false;
}

function release(path: string): void {
  // Only our own lock is deleted: a lock broken as stale and taken by someone else stays theirs.
  if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
}

function describeHolder(path: string): string {
  const h = readHolder(path);
  return h ? `process ${h.pid} (since ${h.at})` : "an unknown process";
}

/** In-process queue per lock path, so callers in this process wait for each other without polling. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` holding the lock; waits (without blocking the event loop) while another process holds it. */
export function withFileLock<T>(
  path: string,
  fn: () => T | Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => lockedAsync(path, fn, options));
  const tail = run.catch(() => {});
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return run;
}

async function lockedAsync<T>(path: string, fn: () => T | Promise<T>, options: LockOptions): Promise<T> {
  const { timeoutMs = 30_000, retryMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(path)) {
    if (Date.now() > deadline) throw new LockTimeoutError(path, describeHolder(path));
    await new Promise((r) => setTimeout(r, retryMs));
  }
  // A synchronous section releases before returning, so no other callback of this process ever sees our lock
  // held (a synchronous locker in between would otherwise wait for a lock nobody can release).
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (err) {
    release(path);
    throw err;
  }
  if (!(result instanceof Promise)) {
    release(path);
    return result;
  }
  try {
    return await result;
  } finally {
    release(path);
  }
}

/** The same for synchronous callers (command-line tools): sleeps between attempts without spinning. */
export function withFileLockSync<T>(path: string, fn: () => T, options: LockOptions = {}): T {
  const { timeoutMs = 30_000, retryMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!tryAcquire(path)) {
    if (Date.now() > deadline) throw new LockTimeoutError(path, describeHolder(path));
    Atomics.wait(sleeper, 0, 0, retryMs);
  }
  try {
    return fn();
  } finally {
    release(path);
  }
}
