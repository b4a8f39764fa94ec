/**
 * 6. Steady ticks: 20 repositories on the git smart-HTTP server (its own process), the real
 * `spin daemon` polling each every second (log level info), one service per project at replicas
 * 0 but one that runs one container, the engine behind the counting proxy. After everything
 * converged, for WINDOW_S seconds: engine reads per tick (a tick is a second: every project falls
 * due on it), and the daemon's CPU per idle poll. The floor is measured in the same run right
 * after: a bare keep-alive HTTP GET of the same `info/refs` from a Node process
 * (bench/lib/http-floor-main.ts), at the same rate, nothing else.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { monotonicUs, summariseFile } from './lib/profile.js';
import { startDaemonProcess, writeDaemonConfig, type DaemonProcess } from './lib/daemon-process.js';
import { startDockerProxy, type DockerProxy } from './lib/docker-proxy.js';
import { removeSpinProjectsByPrefix } from './lib/engine.js';
import { startGitServerProcess, type GitServerProcess } from './lib/git-server.js';
import type { BenchResult } from './lib/report.js';
import { commitToBare, createBareRepo } from './lib/repos.js';
import { spinStack } from './lib/stacks.js';
import { onCleanup, pollUntil, procCpuMs, round, runCleanup, sleep, uniqueName } from './lib/util.js';

const execFileP = promisify(execFile);
const PROJECTS = 20;
const WINDOW_S = 30;
const FLOOR = path.resolve(import.meta.dirname, 'lib/http-floor-main.ts');
const CONVERGE_TIMEOUT_MS = 5 * 60_000;
/** The engine reads a round may make: the container list, and networks and volumes when stale. */
const READS = ['GET /containers/json', 'GET /networks', 'GET /volumes'];

export interface TicksOptions {
  /** Run the daemon under `node --cpu-prof` into this folder and summarise the window. */
  profileDir?: string;
}

export async function benchTicks(opts: TicksOptions = {}): Promise<BenchResult> {
  const prefix = uniqueName('bench-tk');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-ticks-'));
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
    const names = Array.from({ length: PROJECTS }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
    const heads = new Map<string, string>();
    for (const [i, name] of names.entries()) {
      const gitdir = await createBareRepo(gitRoot, name);
      const stack = spinStack({ services: 1, replicas: i === 0 ? 1 : 0, noNetwork: true, tag: name });
      heads.set(name, await commitToBare(gitdir, { 'compose.yaml': stack }, 'initial'));
    }
    proxy = await startDockerProxy(path.join(tmp, 'docker.sock'));
    const stateDir = path.join(tmp, 'state');
    const configFile = await writeDaemonConfig(path.join(tmp, 'spin.yaml'), {
      stateDir,
      pollInterval: '1s',
      docker: { host: proxy.host },
      projects: names.map((name) => ({ name, repo: server?.repoUrl(name) })),
    });
    const nodeArgs = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
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
      { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1_000, what: `${PROJECTS} projects to converge` },
    );
    // Past the first minute's resync and the passes the deploys' own events cause.
    await sleep(5_000);

    proxy.reset();
    const git0 = await server.counts();
    const cpu0 = await procCpuMs(pid);
    const logs0 = daemon.logs.length;
    const t0 = performance.now();
    const windowUs = { fromUs: monotonicUs(), toUs: 0 };
    await sleep(WINDOW_S * 1000);
    windowUs.toUs = monotonicUs();
    const windowMs = performance.now() - t0;
    const cpuMs = (await procCpuMs(pid)) - cpu0;
    const polls = (await server.counts()).advertise - git0.advertise;
    const calls = proxy.counts();
    const ticks = windowMs / 1000;
    const reads = READS.reduce((n, kind) => n + (calls[kind] ?? 0), 0);
    const readsPerTick = reads / ticks;
    const daemonMsPerPoll = cpuMs / Math.max(1, polls);
    details.window = {
      seconds: round(ticks),
      polls,
      pollsPerTick: round(polls / ticks, 2),
      engineCalls: calls,
      readsPerTick: round(readsPerTick, 2),
      containerListsPerTick: round((calls['GET /containers/json'] ?? 0) / ticks, 2),
      daemonCpuMs: round(cpuMs),
      daemonMsPerPoll: round(daemonMsPerPoll, 3),
      daemonLogLines: daemon.logs.slice(logs0).reduce<Record<string, number>>((counts, l) => {
        counts[l.msg] = (counts[l.msg] ?? 0) + 1;
        return counts;
      }, {}),
    };
    console.error(`  ticks window: ${JSON.stringify(details.window)}`);
    await daemon.stop();
    daemon = undefined;
    if (opts.profileDir) {
      const files = (await readdir(opts.profileDir)).filter((f) => f.endsWith('.cpuprofile'));
      const newest = files.sort().at(-1);
      details.daemonProfileWindow = newest
        ? await summariseFile(path.join(opts.profileDir, newest), windowUs)
        : 'no profile written (the daemon did not exit cleanly)';
      console.error(`  ticks profile: ${JSON.stringify(details.daemonProfileWindow, null, 1)}`);
    }

    // The floor, same server, same repository, same rate.
    const url = `${server.repoUrl(names[1] as string)}/info/refs?service=git-upload-pack`;
    const { stdout } = await execFileP(
      process.execPath,
      ['--import', 'tsx', FLOOR, url, String(PROJECTS), String(WINDOW_S)],
      // Generous: on a loaded machine the git server answers 20 requests in more than a second.
      { cwd: path.resolve(import.meta.dirname, '..'), timeout: (WINDOW_S * 6 + 60) * 1000 },
    );
    const floor = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
      requests: number;
      cpuMs: number;
    };
    const floorMsPerPoll = floor.cpuMs / Math.max(1, floor.requests);
    details.floor = { ...floor, msPerRequest: round(floorMsPerPoll, 3) };
    console.error(`  ticks floor: ${JSON.stringify(details.floor)}`);
    const ratio = daemonMsPerPoll / floorMsPerPoll;
    return {
      name: 'ticks',
      figures: [
        {
          bench: 'ticks',
          metric: `engine reads per tick, ${PROJECTS} projects polled every 1 s`,
          unit: 'reads',
          spin: readsPerTick,
          goal: '<= 1 round (1 container list)',
          pass: (calls['GET /containers/json'] ?? 0) / ticks <= 1.05,
        },
        {
          bench: 'ticks',
          metric: 'daemon CPU per idle poll vs a bare keep-alive GET of info/refs',
          unit: 'ms',
          spin: daemonMsPerPoll,
          ratio,
          ratioKind: 'spin/compose',
          goal: '<= 1.5x the floor',
          pass: ratio <= 1.5,
        },
      ],
      details,
      notes: [
        `floor: ${round(floorMsPerPoll, 3)} ms CPU per bare GET (the compose column is empty: the ratio is against the floor)`,
      ],
    };
  } finally {
    await runCleanup(cleanup);
  }
}
