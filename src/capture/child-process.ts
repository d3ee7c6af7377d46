import type { ChildProcess } from "node:child_process";

/** True once the child has exited (or never started). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

/** Resolves when the child has exited, or with false after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

/**
 * SIGTERM, then SIGKILL after `termTimeoutMs`; resolves once the child is reaped (Node reaps on "exit"), or false
 * if even SIGKILL did not end it within `termTimeoutMs` more (a process stuck in the kernel).
 */
export async function terminate(child: ChildProcess, termTimeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return true;
  child.kill("SIGTERM");
  if (await waitForExit(child, termTimeoutMs)) return true;
  child.kill("SIGKILL");
  return waitForExit(child, termTimeoutMs);
}

/** The last few non-empty lines of a child's stderr, for status reasons (bounded memory). */
export class StderrTail {
  #lines: string[] = [];
  #partial = "";

  constructor(private readonly maxLines = 5) {}

  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.#partial = (parts.pop() ?? "").slice(-500);
    for (const line of parts) {
      const trimmed = line.trim();
      if (trimmed) this.#lines.push(trimmed.slice(0, 500));
    }
    if (this.#lines.length > this.maxLines) this.#lines.splice(0, this.#lines.length - this.maxLines);
  }

  last(): string {
    return this.#partial.trim() || (this.#lines[this.#lines.length - 1] ?? "");
  }

  clear(): void {
    this.#lines = [];
    this.#partial = "";
  }
}
