/** Small helpers shared by the benchmarks: timing, statistics, /proc readings, clean-up. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `<prefix>-<6 random [a-z0-9]>`: a valid Spin and compose project name. */
export function uniqueName(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `${prefix}-${[...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws at the deadline. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs: number; what: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${errorText(lastError)})` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`);
    }
    await sleep(opts.intervalMs);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

// ---------------------------------------------------------------------------------------------
// /proc

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime (and the reaped children's, when asked) of a process, in ms, from /proc/<pid>/stat. */
export async function procCpuMs(pid: number, withChildren = false): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (i: number) => Number(fields[i - 3]);
  const total = ticks(14) + ticks(15) + (withChildren ? ticks(16) + ticks(17) : 0);
  return (total * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** VmRSS of a process in MB, from /proc/<pid>/status. */
export async function procRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

/** The dockerd process id, to attribute engine-side CPU; undefined when not visible. */
export async function dockerdPid(): Promise<number | undefined> {
  try {
    const { stdout } = await execFileP('pidof', ['dockerd']);
    const pid = Number(stdout.trim().split(/\s+/)[0]);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function loadAverage(): Promise<number[]> {
  const text = await readFile('/proc/loadavg', 'utf8');
  return text.split(' ').slice(0, 3).map(Number);
}

// ---------------------------------------------------------------------------------------------
// Clean-up that runs even when a benchmark fails or the run is interrupted.

const cleanups = new Set<() => Promise<void>>();

/** Registers `fn` to run at the end of the run (and on SIGINT/SIGTERM); returns an unregister. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs `fn` now and forgets it (the normal path at the end of a benchmark's finally). */
export async function runCleanup(fn: () => Promise<void>): Promise<void> {
  cleanups.delete(fn);
  try {
    await fn();
  } catch (err) {
    console.error(`clean-up failed: ${errorText(err)}`);
  }
}

/** Every clean-up still registered, newest first. */
export async function runAllCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) await runCleanup(fn);
}
