import { readFileSync } from "node:fs";

/** utime + stime of a process in ms (Linux /proc; clock ticks assumed 100 Hz); null when it cannot be read. */
export function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
