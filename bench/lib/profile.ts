/**
 * In-process CPU profiles (the inspector's sampling profiler, what `node --cpu-prof` uses),
 * summarised as the functions with the most self time, and grouped by source area (src/git,
 * isomorphic-git, dockerode, ...), so a report can say where a pass spends its CPU.
 */
import { Session } from 'node:inspector/promises';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Reads a .cpuprofile written by `node --cpu-prof` and summarises it. */
export async function summariseFile(
  file: string,
  window?: { fromUs: number; toUs: number },
): Promise<ProfileSummary> {
  return summarise(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, file, window);
}

/** Now on CLOCK_MONOTONIC in µs, comparable with V8 profile timestamps of any process on this machine. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileSummary {
  file?: string;
  totalMs: number;
  topFunctions: { fn: string; selfMs: number; pct: number }[];
  byArea: Record<string, number>;
}

/** Profiles `fn` and summarises; the raw .cpuprofile is written to `outFile` when given. */
export async function profile<T>(
  fn: () => Promise<T>,
  outFile?: string,
): Promise<{ value: T; summary: ProfileSummary }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    const value = await fn();
    const { profile: raw } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    if (outFile) await writeFile(outFile, JSON.stringify(raw));
    return { value, summary: summarise(raw, outFile) };
  } finally {
    session.disconnect();
  }
}

function area(url: string): string {
  if (!url) return '(native/idle)';
  const rel = url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel);
  if (nm) return nm[1] as string;
  const src = /\/(src|dist|bench|test)\/([^/.]+)/.exec(rel);
  if (src) return `${src[1]}/${src[2]}`;
  if (rel.startsWith('node:')) return 'node core';
  return path.basename(rel);
}

/**
 * Self time by function and by area. With `window` (CLOCK_MONOTONIC µs, the clock of both V8's
 * profile timestamps and process.hrtime), only samples taken inside it count.
 */
export function summarise(
  raw: CpuProfile,
  file?: string,
  window?: { fromUs: number; toUs: number },
): ProfileSummary {
  const byId = new Map(raw.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of raw.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native and node-core frames (fs, sockets, JSON) are charged to the code that called them.
  const owner = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const a = area(byId.get(cur)?.callFrame.url ?? '');
      if (a !== '(native/idle)' && a !== 'node core') return a;
    }
    return area(byId.get(id)?.callFrame.url ?? '');
  };
  const selfUs = new Map<number, number>();
  const samples = raw.samples ?? [];
  const deltas = raw.timeDeltas ?? [];
  let at = raw.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  const byFn = new Map<string, number>();
  const byArea: Record<string, number> = {};
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    // The profiler's own session (stopping it serialises the profile) is not the code measured.
    if (owner(id) === 'bench/lib') continue;
    total += us;
    const key = `${functionName || '(anonymous)'} ${url ? `${area(url)}:${lineNumber + 1}` : `(native, from ${owner(id)})`}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const a = functionName === '(garbage collector)' ? '(gc)' : owner(id);
    byArea[a] = (byArea[a] ?? 0) + us;
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    file,
    totalMs: ms(total),
    topFunctions: [...byFn.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([fn, us]) => ({ fn, selfMs: ms(us), pct: Math.round((us / total) * 1000) / 10 })),
    byArea: Object.fromEntries(
      Object.entries(byArea)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([k, us]) => [k, ms(us)]),
    ),
  };
}
