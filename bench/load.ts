// Closed-loop load: `concurrency` workers each repeat one operation back to back for a fixed window.
// An operation still running when the window closes is awaited and credited with the fraction of its
// duration that fell inside the window, so short windows are not biased against slow operations.
import { readFileSync } from 'node:fs';

export interface LoadOptions {
  concurrency: number;
  seconds: number;
}

export interface LoadResult {
  /** Operations completed inside the measured windows (fractional credit for the last ones). */
  ops: number;
  /** Total length of the measured windows, in seconds. */
  seconds: number;
  /** Operations per second. */
  rate: number;
  /** Failed operations (the benchmark expects none). */
  errors: number;
  /** Latency percentiles of the successful operations, in milliseconds. */
  p50: number;
  p99: number;
  latencies: number[];
  /** CPU time (user + system, all threads) the observed process spent per completed operation, in ms. */
  cpuMsPerOp: number;
  /** Totals behind cpuMsPerOp. */
  cpu: { ms: number; ops: number };
}

/** A worker's operation; `worker` is its index (e.g. to pick its own account). */
export type Operation = (worker: number) => Promise<void>;

const MAX_CONSECUTIVE_ERRORS = 20;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(ops: number, seconds: number, errors: number, latencies: number[], cpu: { ms: number; ops: number }): LoadResult {
  latencies.sort((a, b) => a - b);
  return { ops, seconds, rate: ops / seconds, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99), latencies, cpuMsPerOp: cpu.ms / cpu.ops, cpu };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: the unit of /proc/<pid>/stat times on Linux

/** CPU time a process has used so far (user + system, all its threads), in ms; NaN when unknown. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND; // utime, stime
  } catch {
    return NaN;
  }
}

/**
 * Runs the operation in `concurrency` parallel loops for `seconds`; throws if a worker keeps failing.
 * `cpuPid`: the process whose CPU time per operation is reported (the server under test).
 */
export async function measure(options: LoadOptions, operation: Operation, cpuPid = process.pid): Promise<LoadResult> {
  const cpuBefore = processCpuMs(cpuPid);
  let completed = 0;
  const start = performance.now();
  const end = start + options.seconds * 1000;
  const latencies: number[] = [];
  let credit = 0;
  let errors = 0;

  async function worker(index: number): Promise<void> {
    let consecutive = 0;
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await operation(index);
        consecutive = 0;
        const t1 = performance.now();
        latencies.push(t1 - t0);
        completed++;
        credit += t1 <= end ? 1 : (end - t0) / (t1 - t0);
      } catch (err) {
        errors++;
        if (++consecutive >= MAX_CONSECUTIVE_ERRORS) throw err;
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  return summarize(credit, options.seconds, errors, latencies, { ms: processCpuMs(cpuPid) - cpuBefore, ops: completed });
}

/** Adds up measurements of the same operation taken in several windows. */
export function combine(results: LoadResult[]): LoadResult {
  return summarize(
    results.reduce((n, r) => n + r.ops, 0),
    results.reduce((n, r) => n + r.seconds, 0),
    results.reduce((n, r) => n + r.errors, 0),
    results.flatMap((r) => r.latencies),
    { ms: results.reduce((n, r) => n + r.cpu.ms, 0), ops: results.reduce((n, r) => n + r.cpu.ops, 0) },
  );
}

/**
 * Measures two operations in alternating windows, A B B A (repeated for more rounds), so that a change
 * in the machine's background load during the run weighs on both alike. Each gets `seconds` in total.
 */
export async function compare(
  options: LoadOptions & { rounds: number; warmupSeconds: number },
  a: Operation,
  b: Operation,
  cpuPids: { a?: number; b?: number } = {},
): Promise<[LoadResult, LoadResult]> {
  const window = { concurrency: options.concurrency, seconds: options.seconds / options.rounds };
  if (options.warmupSeconds > 0) {
    await measure({ concurrency: options.concurrency, seconds: options.warmupSeconds }, a, cpuPids.a);
    await measure({ concurrency: options.concurrency, seconds: options.warmupSeconds }, b, cpuPids.b);
  }
  const as: LoadResult[] = [];
  const bs: LoadResult[] = [];
  for (let round = 0; round < options.rounds; round++) {
    if (round % 2 === 0) {
      as.push(await measure(window, a, cpuPids.a));
      bs.push(await measure(window, b, cpuPids.b));
    } else {
      bs.push(await measure(window, b, cpuPids.b));
      as.push(await measure(window, a, cpuPids.a));
    }
  }
  return [combine(as), combine(bs)];
}

export interface MemoryWatch {
  /** Highest VmRSS seen by polling, in MiB. */
  peakRssMiB(): number;
  /** The kernel's own high-water mark (VmHWM) of the process's resident set, in MiB. */
  highWaterMarkMiB(): number;
  stop(): void;
}

function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const rss = kib('VmRSS');
    const hwm = kib('VmHWM');
    // A process that is starting or exiting has no memory lines yet (or any more).
    return Number.isFinite(rss) && Number.isFinite(hwm) ? { rss, hwm } : undefined;
  } catch {
    return undefined; // the process is gone (or this is not Linux)
  }
}

/** Polls a process's resident set size (Linux /proc) every `intervalMs`. */
export function watchMemory(pid: number, intervalMs = 100): MemoryWatch {
  let peak = 0;
  let hwm = 0;
  const sample = () => {
    const s = readStatus(pid);
    if (!s) return;
    peak = Math.max(peak, s.rss);
    hwm = Math.max(hwm, s.hwm);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakRssMiB: () => (sample(), peak / 1024),
    highWaterMarkMiB: () => (sample(), hwm / 1024),
    stop: () => clearInterval(timer),
  };
}
