/**
 * 4. Polling at scale: 500 bare repositories on the git smart-HTTP server (its own process), the
 * real `spin daemon` process polling them every 10 s (log level info, default concurrency and
 * resync), 500 projects of one service at replicas 0 (nothing runs) but one that runs one
 * container. The engine is reached through a counting proxy so the daemon's engine calls can be
 * counted by kind. After everything converged and one poll interval passed, for 60 s: the
 * daemon's CPU (utime+stime from /proc/<pid>/stat) as % of one core, its RSS (VmRSS, sampled every
 * second), git requests and engine calls. Then `changes` repositories get a new commit (replicas
 * 1), one after the other: time from the ref update until the daemon's first 'action done' for
 * it and until its container runs.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDaemonProcess, writeDaemonConfig, type DaemonProcess } from './lib/daemon-process.js';
import { isWrite, startDockerProxy, type DockerProxy } from './lib/docker-proxy.js';
import { removeSpinProjectsByPrefix, runningWith } from './lib/engine.js';
import { startGitServerProcess, type GitServerProcess } from './lib/git-server.js';
import type { BenchResult } from './lib/report.js';
import { summariseHeapFile } from './lib/heap.js';
import { monotonicUs, summariseFile } from './lib/profile.js';
import { commitToBare, createBareRepo } from './lib/repos.js';
import { spinStack } from './lib/stacks.js';
import {
  median,
  onCleanup,
  pollUntil,
  procCpuMs,
  procRssMb,
  round,
  runCleanup,
  sleep,
  uniqueName,
} from './lib/util.js';

const PROJECTS = 500;
const POLL_INTERVAL_S = 10;
const WINDOW_S = 60;
const CONVERGE_TIMEOUT_MS = 10 * 60_000;

export interface PollingOptions {
  changes: number;
  /** Run the daemon under `node --cpu-prof` writing here; the 60 s window is summarised. */
  profileDir?: string;
  /** Write a heap snapshot of the daemon here after the window (SIGUSR2) and summarise it. */
  heapSnapshotDir?: string;
}

export async function benchPolling(opts: PollingOptions): Promise<BenchResult> {
  const prefix = uniqueName('bench-po');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-polling-'));
  let server: GitServerProcess | undefined;
  let proxy: DockerProxy | undefined;
  let daemon: DaemonProcess | undefined;
  const cleanup = async () => {
    await daemon?.stop();
    await proxy?.stop();
    await server?.stop();
    await removeSpinProjectsByPrefix(prefix);
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  const details: Record<string, unknown> = {};
  try {
    const gitRoot = path.join(tmp, 'git');
    server = await startGitServerProcess(gitRoot);
    const names = Array.from({ length: PROJECTS }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);
    const gitdirs = new Map<string, string>();
    const heads = new Map<string, string>();
    const stack = (name: string, replicas: number) =>
      spinStack({ services: 1, replicas, noNetwork: true, tag: name });
    for (const [i, name] of names.entries()) {
      const gitdir = await createBareRepo(gitRoot, name);
      gitdirs.set(name, gitdir);
      heads.set(
        name,
        await commitToBare(gitdir, { 'compose.yaml': stack(name, i === 0 ? 1 : 0) }, 'initial'),
      );
    }
    proxy = await startDockerProxy(path.join(tmp, 'docker.sock'));
    const stateDir = path.join(tmp, 'state');
    const configFile = await writeDaemonConfig(path.join(tmp, 'spin.yaml'), {
      stateDir,
      pollInterval: `${POLL_INTERVAL_S}s`,
      docker: { host: proxy.host },
      projects: names.map((name) => ({ name, repo: server?.repoUrl(name) })),
    });
    const startedAt = performance.now();
    const nodeArgs = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
    if (opts.heapSnapshotDir) {
      await mkdir(opts.heapSnapshotDir, { recursive: true });
      nodeArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.heapSnapshotDir}`);
    }
    daemon = await startDaemonProcess(configFile, 'info', nodeArgs);
    const pid = daemon.pid;
    const statusDir = path.join(stateDir, 'status');
    await pollUntil(
      async () => {
        const files = (await readdir(statusDir)).filter((f) => f.endsWith('.json'));
        if (files.length < PROJECTS) return undefined;
        for (const name of names) {
          const s = JSON.parse(await readFile(path.join(statusDir, `${name}.json`), 'utf8')) as {
            appliedCommit?: string;
          };
          if (s.appliedCommit !== heads.get(name)) return undefined;
        }
        return true;
      },
      { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 2_000, what: `${PROJECTS} projects to converge` },
    );
    details.convergeS = round((performance.now() - startedAt) / 1000);
    details.rssAfterConvergeMb = round(await procRssMb(pid));
    console.error(
      `  polling: ${PROJECTS} projects converged in ${details.convergeS} s; settling one interval`,
    );
    await sleep(POLL_INTERVAL_S * 1000 + 2_000);

    // The 60 s window.
    proxy.reset();
    const git0 = await server.counts();
    const gitCpu0 = await server.cpuMs();
    const cpu0 = await procCpuMs(pid);
    const logs0 = daemon.logs.length;
    const rss: number[] = [];
    const windowUs = { fromUs: monotonicUs(), toUs: 0 };
    const t0 = performance.now();
    for (let s = 0; s < WINDOW_S; s++) {
      rss.push(await procRssMb(pid));
      await sleep(Math.max(0, t0 + (s + 1) * 1000 - performance.now()));
    }
    const windowMs = performance.now() - t0;
    windowUs.toUs = monotonicUs();
    const logMessages: Record<string, number> = {};
    for (const line of daemon.logs.slice(logs0)) logMessages[line.msg] = (logMessages[line.msg] ?? 0) + 1;
    const cpuMs = (await procCpuMs(pid)) - cpu0;
    const git1 = await server.counts();
    const engineCalls = proxy.counts();
    const perMinute = (n: number) => round((n * 60_000) / windowMs);
    const cpuPct = (cpuMs / windowMs) * 100;
    const rssMax = Math.max(...rss);
    details.window = {
      seconds: round(windowMs / 1000),
      monotonicUs: windowUs,
      daemonCpuMs: round(cpuMs),
      cpuPercentOfOneCore: round(cpuPct, 2),
      rssMb: { max: round(rssMax), median: round(median(rss)), last: round(rss.at(-1) ?? Number.NaN) },
      gitRequestsPerMinute: {
        advertise: perMinute(git1.advertise - git0.advertise),
        fetch: perMinute(git1.fetch - git0.fetch),
      },
      gitServerCpuPercent: round((((await server.cpuMs()) - gitCpu0) / windowMs) * 100, 1),
      engineCallsPerMinute: Object.fromEntries(
        Object.entries(engineCalls).map(([k, v]) => [k, perMinute(v)]),
      ),
      engineWrites: Object.entries(engineCalls).reduce((n, [k, v]) => n + (isWrite(k) ? v : 0), 0),
      daemonLogLines: logMessages,
    };
    console.error(`  polling window: ${JSON.stringify(details.window)}`);
    details.memory = await memoryBreakdown(daemon.apiUrl);
    console.error(`  polling memory (MB): ${JSON.stringify(details.memory)}`);
    if (opts.heapSnapshotDir) details.heap = await heapSnapshot(pid, opts.heapSnapshotDir);

    // A change in one repository: time until its deploy starts.
    const changes: { project: string; firstActionMs?: number; runningMs?: number }[] = [];
    for (let k = 1; k <= opts.changes; k++) {
      const name = names[k] as string;
      const sha = await commitToBare(
        gitdirs.get(name) as string,
        { 'compose.yaml': stack(name, 1) },
        'scale up',
      );
      const at = Date.now();
      const atPerf = performance.now();
      const seen = await pollUntil(
        async () =>
          (await runningWith([`spin.project=${name}`, `spin.commit=${sha}`])).length === 1
            ? performance.now()
            : undefined,
        { timeoutMs: POLL_INTERVAL_S * 3000, intervalMs: 50, what: `${name} to deploy ${sha.slice(0, 12)}` },
      );
      const line = await daemon.waitForLog(
        (l) => l.msg === 'action done' && l.project === name && l.commit === sha,
        5_000,
      );
      changes.push({
        project: name,
        firstActionMs: line ? round(line.time - Number(line.durationMs ?? 0) - at) : undefined,
        runningMs: round(seen - atPerf),
      });
      console.error(`  polling change ${k}: ${JSON.stringify(changes.at(-1))}`);
    }
    details.changes = changes;
    if (opts.profileDir) {
      await daemon.stop();
      const files = (await readdir(opts.profileDir)).filter((f) => f.endsWith('.cpuprofile'));
      const newest = files.sort().at(-1);
      details.daemonProfileWindow = newest
        ? await summariseFile(path.join(opts.profileDir, newest), windowUs)
        : 'no profile written (the daemon did not exit cleanly)';
    }
    const deployStart = median(changes.map((c) => c.firstActionMs ?? c.runningMs ?? Number.NaN));
    return {
      name: 'polling',
      figures: [
        {
          bench: 'polling',
          metric: `daemon CPU, ${PROJECTS} repos polled every ${POLL_INTERVAL_S} s (% of one core)`,
          unit: '%',
          spin: cpuPct,
          goal: '< 5%',
          pass: cpuPct < 5,
        },
        {
          bench: 'polling',
          metric: 'daemon RSS (max over 60 s)',
          unit: 'MB',
          spin: rssMax,
          goal: '< 200 MB',
          pass: rssMax < 200,
        },
        {
          bench: 'polling',
          metric: `push to deploy start, one of ${PROJECTS} repos (median of ${opts.changes})`,
          unit: 's',
          spin: deployStart / 1000,
          goal: `<= interval (${POLL_INTERVAL_S} s) + pass`,
          pass: deployStart <= POLL_INTERVAL_S * 1000 + 2_000,
        },
      ],
      details,
      notes: [],
    };
  } finally {
    await runCleanup(cleanup);
  }
}

/** SIGUSR2 makes the daemon (run with --heapsnapshot-signal) write a snapshot; wait until it is complete. */
async function heapSnapshot(pid: number, dir: string): Promise<unknown> {
  process.kill(pid, 'SIGUSR2');
  const file = await pollUntil(
    async () => {
      const name = (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot'));
      if (!name) return undefined;
      const a = (await stat(path.join(dir, name))).size;
      await sleep(1_000);
      return a > 0 && (await stat(path.join(dir, name))).size === a ? path.join(dir, name) : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: 'the heap snapshot' },
  );
  const summary = await summariseHeapFile(file);
  console.error(`  polling heap (${file}): ${JSON.stringify(summary, null, 1)}`);
  return { file, ...summary };
}

/** Where the RSS goes, from the daemon's own process metrics (prom-client defaults): heap spaces, external. */
async function memoryBreakdown(apiUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  const mb = (v: string) => round(Number(v) / 1024 / 1024);
  for (const line of text.split('\n')) {
    let m = /^spin_nodejs_heap_space_size_(total|used)_bytes\{space="(\w+)"\} (\S+)/.exec(line);
    if (m) {
      out[`${m[2]}.${m[1]}`] = mb(m[3] as string);
      continue;
    }
    m =
      /^spin_(process_resident_memory_bytes|nodejs_external_memory_bytes|nodejs_heap_size_total_bytes|nodejs_heap_size_used_bytes) (\S+)/.exec(
        line,
      );
    if (m) out[m[1] as string] = mb(m[2] as string);
  }
  return out;
}
