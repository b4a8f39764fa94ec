/**
 * 3. Steady state: 100 projects x 5 services converged (500 busybox sleepers, 16m each, no
 * network), their stacks in 100 bare repositories on the git smart-HTTP server (a separate
 * process, so its CPU is not counted as the daemon's). The Daemon runs in this process with a
 * counting DockerDriver and a git request counter; once everything converged, one full pass with
 * nothing to do (syncNow for every project at once, which is one round) is measured: wall time,
 * this process's CPU, engine calls by kind, git requests by kind. Repeated `passes` times.
 *
 * Baseline: `docker-compose -p P up -d` (a no-op: already up) over the same kind of project,
 * sequentially, like the cron loop does. Running compose over 100 projects means 500 more
 * containers; a sample of `composeSample` projects is deployed with compose and measured, and
 * the loop figure is scaled to 100 projects (the report says so).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { Daemon } from '../src/daemon/daemon.js';
import { connectDocker } from '../src/drivers/docker/connect.js';
import { DockerDriver } from '../src/drivers/docker/docker-driver.js';
import { ContainerEngine } from '../src/drivers/docker/container-engine.js';
import { silentLogger } from '../src/util/logger.js';
import { stringify } from 'yaml';
import { compose, removeComposeProject, removeSpinProjectsByPrefix, timedCommand } from './lib/engine.js';
import { startGitServerProcess, type GitServerProcess } from './lib/git-server.js';
import type { BenchResult, Figure } from './lib/report.js';
import { commitToBare, createBareRepo } from './lib/repos.js';
import { profile } from './lib/profile.js';
import { composeFile, spinStack } from './lib/stacks.js';
import {
  dockerdPid,
  mapLimit,
  median,
  onCleanup,
  percentile,
  pollUntil,
  procCpuMs,
  round,
  runCleanup,
  sleep,
  uniqueName,
} from './lib/util.js';

export const STEADY_PROJECTS = 100;
const SERVICES = 5;
const CONVERGE_TIMEOUT_MS = 15 * 60_000;

/** Engine calls that only read. Anything else is a write. */
const READ_CALLS = new Set([
  'containers.list',
  'networks.list',
  'volumes.list',
  'images.inspect',
  'containers.inspect',
  'ping',
  'events',
]);

export interface SteadyOptions {
  passes: number;
  composeSample: number;
  /** Overrides the config's `concurrency` (default: the config default, as users get it). */
  concurrency?: number;
  /** Overrides the config's `gitConcurrency`. */
  gitConcurrency?: number;
  /** Where to write the .cpuprofile of one extra, profiled pass (not counted in the figures). */
  profileFile?: string;
}

interface PassSample {
  wallMs: number;
  cpuMs: number;
  dockerdCpuMs?: number;
  gitServerCpuMs: number;
  engineCalls: Record<string, number>;
  gitRequests: Record<string, number>;
  /** Latency of each project's head lookup (one ref advertisement), ms. */
  gitPollMs: { median: number; p95: number; sum: number };
  actions: number;
  passes: number;
}

export async function benchSteady(opts: SteadyOptions): Promise<BenchResult> {
  const prefix = uniqueName('bench-st');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-steady-'));
  let server: GitServerProcess | undefined;
  let daemon: Daemon | undefined;
  const cleanup = async () => {
    await daemon?.stop();
    await server?.stop();
    const removed = await removeSpinProjectsByPrefix(prefix);
    console.error(`  steady: removed ${removed} containers`);
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  const details: Record<string, unknown> = {};
  const notes: string[] = [];
  const samples: PassSample[] = [];
  try {
    // Repositories: one commit each, written straight into the server's bare repositories.
    server = await startGitServerProcess(path.join(tmp, 'git'));
    const names = Array.from(
      { length: STEADY_PROJECTS },
      (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`,
    );
    const heads = new Map<string, string>();
    for (const name of names) {
      const gitdir = await createBareRepo(path.join(tmp, 'git'), name);
      heads.set(
        name,
        await commitToBare(
          gitdir,
          { 'compose.yaml': spinStack({ services: SERVICES, noNetwork: true, tag: name }) },
          'initial',
        ),
      );
    }

    const configFile = path.join(tmp, 'spin.yaml');
    const text = stringify({
      stateDir: './state',
      // Only syncNow runs passes: no poll timer and no cron resync inside the measurement.
      pollInterval: '1h',
      resyncSchedule: '0 0 1 1 *',
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.gitConcurrency ? { gitConcurrency: opts.gitConcurrency } : {}),
      projects: names.map((name) => ({ name, repo: server?.repoUrl(name), previews: { branches: false } })),
    });
    await writeFile(configFile, text);
    const parsed = parseConfig(configFile, text);
    if (!parsed.ok) throw new Error(`config refused: ${JSON.stringify(parsed.diagnostics)}`);
    details.concurrency = parsed.config.concurrency;
    details.gitConcurrency = parsed.config.gitConcurrency;

    let engineCalls: Record<string, number> = {};
    let gitRequests: Record<string, number> = {};
    let gitPolls: number[] = [];
    // As src/cli/run-daemon.ts has createDriver build it (runtime settings checked, which a steady
    // pass must not cost), plus a counter of engine calls.
    const driver = new DockerDriver(
      connectDocker(),
      (call) => {
        engineCalls[call] = (engineCalls[call] ?? 0) + 1;
      },
      { checkRuntime: true },
    );
    daemon = new Daemon(parsed.config, new ContainerEngine(driver), silentLogger(), {
      onGitRequest: (_project, kind) => {
        gitRequests[kind] = (gitRequests[kind] ?? 0) + 1;
      },
      onGitPoll: (_project, ms) => {
        gitPolls.push(ms);
      },
    });
    const running = daemon;

    const convergeStart = performance.now();
    await running.start();
    await pollUntil(
      async () =>
        names.every((n) => {
          const s = running.status(n);
          return s?.sync === 'Synced' && s.health === 'Healthy' && s.appliedCommit === heads.get(n);
        })
          ? true
          : undefined,
      { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 500, what: `${STEADY_PROJECTS} projects to converge` },
    );
    details.convergeS = round((performance.now() - convergeStart) / 1000);
    details.convergeEngineCalls = engineCalls;
    details.convergeGitRequests = gitRequests;
    console.error(`  steady: ${STEADY_PROJECTS * SERVICES} containers converged in ${details.convergeS} s`);
    await sleep(3_000); // late engine events (debounced 200 ms) settle

    const dockerd = await dockerdPid();
    for (let pass = 0; pass < opts.passes; pass++) {
      engineCalls = {};
      gitRequests = {};
      gitPolls = [];
      const dockerd0 = dockerd ? await procCpuMs(dockerd) : undefined;
      const git0 = await server.cpuMs();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const outcomes = await Promise.all(names.map((n) => running.syncNow(n)));
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const sample: PassSample = {
        wallMs: round(wallMs),
        cpuMs: round((cpu.user + cpu.system) / 1000),
        dockerdCpuMs:
          dockerd && dockerd0 !== undefined ? round((await procCpuMs(dockerd)) - dockerd0) : undefined,
        gitServerCpuMs: round((await server.cpuMs()) - git0),
        engineCalls: { ...engineCalls },
        gitRequests: { ...gitRequests },
        gitPollMs: {
          median: median(gitPolls),
          p95: percentile(gitPolls, 95),
          sum: gitPolls.reduce((a, b) => a + b, 0),
        },
        actions: outcomes.reduce((n, o) => n + o.actions.length, 0),
        passes: outcomes.length,
      };
      samples.push(sample);
      console.error(`  steady pass ${pass + 1}: ${JSON.stringify(sample)}`);
      await sleep(500);
    }
    if (opts.profileFile) {
      const { value, summary } = await profile(
        () => Promise.all(names.map((n) => running.syncNow(n))),
        opts.profileFile,
      );
      details.profiledPass = { ...summary, actions: value.reduce((n, o) => n + o.actions.length, 0) };
    }
    await running.stop();
    daemon = undefined;
  } finally {
    await runCleanup(cleanup);
  }
  details.passes = samples;

  const baseline = await composeLoop(opts.composeSample);
  details.compose = baseline;
  const scale = STEADY_PROJECTS / opts.composeSample;
  if (scale !== 1) {
    notes.push(
      `steady: docker-compose was run over a sample of ${opts.composeSample} projects x ${SERVICES} services (next to the 500 Spin containers) and scaled x${scale} to ${STEADY_PROJECTS} projects`,
    );
  }

  const wall = median(samples.map((s) => s.wallMs));
  const cpu = median(samples.map((s) => s.cpuMs));
  const loopWall = baseline.wallMs * scale;
  const loopCpu = baseline.cpuMs * scale;
  const worst = (f: (s: PassSample) => number) => Math.max(...samples.map(f));
  const lists = worst((s) => s.engineCalls['containers.list'] ?? 0);
  const advertisements = worst((s) => s.gitRequests.advertise ?? 0);
  const fetches = worst((s) => s.gitRequests.fetch ?? 0);
  const writes = worst((s) =>
    Object.entries(s.engineCalls).reduce((n, [k, v]) => n + (READ_CALLS.has(k) ? 0 : v), 0),
  );
  const figures: Figure[] = [
    {
      bench: 'steady',
      metric: `no-op pass over ${STEADY_PROJECTS} projects x ${SERVICES}: wall`,
      unit: 's',
      spin: wall / 1000,
      compose: loopWall / 1000,
      ratio: loopWall / wall,
      ratioKind: 'compose/spin',
      goal: '>= 100x cheaper',
      pass: loopWall / wall >= 100,
    },
    {
      bench: 'steady',
      metric: `no-op pass over ${STEADY_PROJECTS} projects x ${SERVICES}: CPU (process)`,
      unit: 's',
      spin: cpu / 1000,
      compose: loopCpu / 1000,
      ratio: loopCpu / cpu,
      ratioKind: 'compose/spin',
      goal: '>= 100x cheaper',
      pass: loopCpu / cpu >= 100,
    },
  ];
  const dockerdSpin = median(samples.flatMap((s) => (s.dockerdCpuMs === undefined ? [] : [s.dockerdCpuMs])));
  if (!Number.isNaN(dockerdSpin) && baseline.dockerdCpuMs !== undefined) {
    figures.push({
      bench: 'steady',
      metric: 'no-op pass: engine (dockerd) CPU',
      unit: 's',
      spin: dockerdSpin / 1000,
      compose: (baseline.dockerdCpuMs * scale) / 1000,
      ratio: (baseline.dockerdCpuMs * scale) / dockerdSpin,
      ratioKind: 'compose/spin',
    });
  }
  // The whole cron loop (`git pull && docker-compose up -d`): not the baseline, shown for scale.
  const cronWall = (baseline.wallMs + baseline.gitPull.wallMs) * scale;
  figures.push({
    bench: 'steady',
    metric: 'no-op pass: wall, against the whole cron loop (git pull + up -d)',
    unit: 's',
    spin: wall / 1000,
    compose: cronWall / 1000,
    ratio: cronWall / wall,
    ratioKind: 'compose/spin',
  });
  figures.push(
    {
      bench: 'steady',
      metric: 'containers.list calls per pass',
      unit: '',
      spin: lists,
      goal: 'exactly 1',
      pass: lists === 1,
    },
    {
      bench: 'steady',
      metric: 'git ref advertisements per pass (fetches)',
      unit: '',
      spin: advertisements,
      goal: `1 per repository (${STEADY_PROJECTS}), 0 fetches`,
      pass: advertisements === STEADY_PROJECTS && fetches === 0,
    },
    {
      bench: 'steady',
      metric: 'engine writes per pass',
      unit: '',
      spin: writes,
      goal: '0',
      pass: writes === 0,
    },
  );
  return { name: 'steady', figures, details, notes };
}

/**
 * Deploys `count` projects with compose (5 services each), then times the no-op `up -d` loop over
 * them. Apart, and not in the compared figures: the `git pull` the cron loop runs first in each
 * project's clone, against a git server of the same kind (its CPU reported separately).
 */
async function composeLoop(count: number): Promise<{
  projects: number;
  wallMs: number;
  cpuMs: number;
  dockerdCpuMs?: number;
  perProjectMs: number[];
  coldMs: number[];
  gitPull: { wallMs: number; cpuMs: number; serverCpuMs: number };
}> {
  const prefix = uniqueName('bench-st-compose');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-steady-compose-'));
  const projects = Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);
  let server: GitServerProcess | undefined;
  const cleanup = async () => {
    await server?.stop();
    await mapLimit(projects, 4, (p) => removeComposeProject(p));
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  try {
    server = await startGitServerProcess(path.join(tmp, 'git'));
    const files = new Map<string, string>();
    const clones = new Map<string, string>();
    const coldMs: number[] = [];
    for (const project of projects) {
      const file = path.join(tmp, `${project}.yml`);
      const compose1 = composeFile({ services: SERVICES, noNetwork: true, tag: project });
      await writeFile(file, compose1);
      files.set(project, file);
      await commitToBare(
        await createBareRepo(path.join(tmp, 'git'), project),
        { 'docker-compose.yml': compose1 },
        'initial',
      );
      const clone = path.join(tmp, 'clones', project);
      await timedCommand('git', ['clone', '--quiet', server.repoUrl(project), clone], { timeDir: tmp });
      clones.set(project, clone);
      coldMs.push(round((await compose(project, file, ['up', '-d'])).wallMs));
    }
    const dockerd = await dockerdPid();
    const dockerd0 = dockerd ? await procCpuMs(dockerd) : undefined;
    let wallMs = 0;
    let cpuMs = 0;
    const perProjectMs: number[] = [];
    for (const project of projects) {
      const run = await compose(project, files.get(project) as string, ['up', '-d']);
      wallMs += run.wallMs;
      cpuMs += run.cpuMs;
      perProjectMs.push(round(run.wallMs));
    }
    const dockerdCpuMs =
      dockerd && dockerd0 !== undefined ? round((await procCpuMs(dockerd)) - dockerd0) : undefined;
    const gitPull = { wallMs: 0, cpuMs: 0, serverCpuMs: 0 };
    const serverCpu0 = await server.cpuMs();
    for (const project of projects) {
      const pull = await timedCommand('git', ['pull', '--quiet', '--ff-only'], {
        timeDir: tmp,
        cwd: clones.get(project),
      });
      gitPull.wallMs += pull.wallMs;
      gitPull.cpuMs += pull.cpuMs;
    }
    gitPull.serverCpuMs = (await server.cpuMs()) - serverCpu0;
    console.error(
      `  steady compose loop over ${count}: wall ${wallMs.toFixed(0)} ms, cpu ${cpuMs.toFixed(0)} ms; git pull: ${JSON.stringify(gitPull)}`,
    );
    return {
      gitPull: {
        wallMs: round(gitPull.wallMs),
        cpuMs: round(gitPull.cpuMs),
        serverCpuMs: round(gitPull.serverCpuMs),
      },
      projects: count,
      wallMs: round(wallMs),
      cpuMs: round(cpuMs),
      dockerdCpuMs,
      perProjectMs,
      coldMs,
    };
  } finally {
    await runCleanup(cleanup);
  }
}
