/**
 * Process inspection for the fault and soak tests, read straight from Linux's /proc: a process's children,
 * resident memory and open file descriptors. Not a test file itself (no `.test.ts`).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export const HAVE_PROC = (() => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
})();

export const NO_PROC = "/proc is not available (not Linux): process-level fault checks skipped";

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** R, S, D, Z (zombie), T (stopped), ... */
  state: string;
}

/** One process from /proc/<pid>/stat; null once it is gone. */
export function procInfo(pid: number): ProcInfo | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const rest = text
    .slice(close + 2)
    .trim()
    .split(" ");
  return { pid, comm: text.slice(open + 1, close), state: rest[0], ppid: Number(rest[1]) };
}

/** Every process on the machine (a snapshot; processes come and go while it is read). */
export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Direct children of `pid` (zombies included: an unreaped child is a leak too). */
export function childrenOf(pid: number): ProcInfo[] {
  return allProcesses().filter((p) => p.ppid === pid);
}

/** Direct children of `pid` whose command name is `comm` (e.g. "ffmpeg"). */
export function childrenNamed(pid: number, comm: string): ProcInfo[] {
  return childrenOf(pid).filter((p) => p.comm === comm);
}

/** Resident set size in bytes (VmRSS), or null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors, or null once the process is gone. */
export function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Where each open descriptor points (for a diagnostic when the count grows). */
export function fdTargets(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "?";
      }
    });
  } catch {
    return [];
  }
}

/** Whether a pid still names a live (not zombie) process with this command name. */
export function isRunning(pid: number, comm?: string): boolean {
  const info = procInfo(pid);
  return info !== null && info.state !== "Z" && (comm === undefined || info.comm === comm);
}

/** Least-squares slope of y over x (units of y per unit of x). */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A whole number from the environment, or the default. */
export function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const MiB = 1024 * 1024;

/** A process's command line as arguments, or [] once it is gone. */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}
