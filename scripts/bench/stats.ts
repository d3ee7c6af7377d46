/** Small numeric helpers for the benchmark. */

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface Latency {
  n: number;
  p50: number | null;
  p95: number | null;
  /** Median CPU time of the process per sample, where measured. */
  cpuP50?: number | null;
}

export function latency(values: readonly number[], digits = 1): Latency {
  return {
    n: values.length,
    p50: round(percentile(values, 50), digits),
    p95: round(percentile(values, 95), digits),
  };
}

export function stageLatency(s: Samples, digits = 1): Latency {
  return { ...latency(s.wall, digits), cpuP50: round(percentile(s.cpu, 50), digits) };
}

export function round(v: number | null, digits = 1): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Wall-clock and process CPU milliseconds of one stage, sample by sample. */
export interface Samples {
  wall: number[];
  cpu: number[];
}

export function samples(): Samples {
  return { wall: [], cpu: [] };
}

/**
 * Times `fn` into `into`: wall time, and the process's CPU time (user + system, all threads), which a machine
 * busy with other work inflates far less than wall time. Only meaningful while nothing else in this process runs.
 */
export async function timed<T>(into: Samples, fn: () => Promise<T> | T): Promise<T> {
  const c = process.cpuUsage();
  const t = performance.now();
  const r = await fn();
  into.wall.push(performance.now() - t);
  const d = process.cpuUsage(c);
  into.cpu.push((d.user + d.system) / 1000);
  return r;
}
