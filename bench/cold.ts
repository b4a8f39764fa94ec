/**
 * 1. Cold deploy of a 20-service stack. Spin: the real `spin daemon` already runs the project at
 * an empty stack (`services: {}`) from a local repository it watches; the clock starts when
 * `git commit` of the 20 services returns and stops when the engine's event stream has reported
 * the start of 20 containers labelled with that commit (no polling of the engine under test). compose: wall time of
 * `docker-compose -p P -f F up -d` on the same services. Median of N runs each, alternating.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  compose,
  engine,
  removeComposeProject,
  removeLabelled,
  runningWith,
  watchStarts,
} from './lib/engine.js';
import type { LogLine } from './lib/daemon-process.js';
import { startDockerProxy } from './lib/docker-proxy.js';
import type { BenchResult } from './lib/report.js';
import { startSpinProject, type Commit } from './lib/spin-project.js';
import {
  EMPTY_SPIN_STACK,
  SLEEPER_COMMAND,
  SLEEPER_IMAGE,
  composeFile,
  serviceNames,
  spinStack,
} from './lib/stacks.js';
import { mapLimit, median, onCleanup, round, runCleanup, uniqueName } from './lib/util.js';

export const SERVICES = 20;
const TIMEOUT_MS = 120_000;

export interface ColdOptions {
  reps: number;
}

export async function benchCold(opts: ColdOptions): Promise<BenchResult> {
  const spinRuns: number[] = [];
  const composeRuns: number[] = [];
  const phases: Record<string, unknown>[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    const spin = await spinColdOnce();
    spinRuns.push(spin.ms);
    phases.push(spin.phases);
    composeRuns.push(await composeColdOnce());
    console.error(
      `  cold rep ${rep + 1}: spin ${spin.ms.toFixed(0)} ms, compose ${composeRuns.at(-1)?.toFixed(0)} ms`,
    );
  }
  // The floor: the same 20 containers created and started straight through the engine API.
  const engineFloorMs: Record<string, number> = {};
  for (const parallel of [8, SERVICES]) {
    engineFloorMs[`bridge, ${parallel} at a time`] = round(await engineFloor(parallel, false));
    engineFloorMs[`project network, ${parallel} at a time`] = round(await engineFloor(parallel, true));
  }
  console.error(`  cold engine floor (create+start ${SERVICES}): ${JSON.stringify(engineFloorMs)}`);
  const engineCalls = await countEngineCalls();
  const floor = Math.min(
    ...Object.entries(engineFloorMs)
      .filter(([k]) => k.startsWith('project network'))
      .map(([, v]) => v),
  );
  const spin = median(spinRuns);
  const base = median(composeRuns);
  return {
    name: 'cold',
    figures: [
      {
        bench: 'cold',
        metric: `${SERVICES}-service deploy, commit to all running (median of ${opts.reps})`,
        unit: 's',
        spin: spin / 1000,
        compose: base / 1000,
        ratio: spin / base,
        ratioKind: 'spin/compose',
        goal: '<= 0.8x compose',
        pass: spin <= 0.8 * base,
      },
      {
        bench: 'cold',
        metric: `engine floor: the same ${SERVICES} containers on a project network, straight through the API`,
        unit: 's',
        spin: floor / 1000,
        compose: base / 1000,
        ratio: floor / base,
        ratioKind: 'spin/compose',
      },
    ],
    details: {
      spinRunsMs: spinRuns.map((v) => round(v)),
      composeRunsMs: composeRuns.map((v) => round(v)),
      engineFloorMs,
      engineCalls,
      phases,
    },
    notes: [],
  };
}

/** One Spin cold deploy; returns the commit-to-running time and where the time went. */
async function spinColdOnce(
  dockerHost?: string,
  beforeCommit?: () => void,
): Promise<{ ms: number; phases: Record<string, unknown> }> {
  const project = uniqueName('bench-cold');
  const spin = await startSpinProject(project, EMPTY_SPIN_STACK, { repo: 'local', dockerHost });
  const starts = await watchStarts(`spin.project=${project}`);
  try {
    beforeCommit?.();
    const commit = await spin.commit(spinStack({ services: SERVICES }), 'twenty services');
    const lastStart = await starts.until((l) => l['spin.commit'] === commit.sha, SERVICES, TIMEOUT_MS);
    const ms = lastStart - commit.atPerf;
    // Not timed: all of them really run, with that commit, and the daemon agrees.
    const running = await runningWith([`spin.project=${project}`, `spin.commit=${commit.sha}`]);
    if (running.length !== SERVICES) {
      throw new Error(
        `${running.length} of ${SERVICES} containers of ${project} run after their start events`,
      );
    }
    await spin.waitApplied(commit.sha, TIMEOUT_MS);
    return { ms, phases: actionPhases(spin.actionsFor(commit.sha), commit) };
  } finally {
    starts.close();
    await spin.stop();
  }
}

/**
 * create + start of the 20 sleepers through dockerode, `parallel` at a time, no readiness checks:
 * on the default bridge, or (as both tools deploy) on a fresh user-defined network with each
 * service's name as DNS alias, the network's creation included.
 */
async function engineFloor(parallel: number, projectNetwork: boolean): Promise<number> {
  const label = `bench.floor=${uniqueName('floor')}`;
  const [key, value] = label.split('=') as [string, string];
  const cleanup = async () => {
    await removeLabelled(label);
  };
  onCleanup(cleanup);
  try {
    const t0 = performance.now();
    const network = projectNetwork ? `${value}_default` : undefined;
    if (network) await engine().createNetwork({ Name: network, Labels: { [key]: value } });
    await mapLimit(serviceNames(SERVICES), parallel, async (name) => {
      const container = await engine().createContainer({
        name: `${value}-${name}`,
        Image: SLEEPER_IMAGE,
        Cmd: SLEEPER_COMMAND,
        Env: [`SERVICE=${name}`, 'REVISION=1'],
        Labels: { [key]: value },
        HostConfig: {
          Memory: 16 * 1024 * 1024,
          NanoCpus: 100_000_000,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges:true'],
          NetworkMode: network,
        },
        NetworkingConfig: network ? { EndpointsConfig: { [network]: { Aliases: [name] } } } : undefined,
      });
      await container.start();
    });
    return performance.now() - t0;
  } finally {
    await runCleanup(cleanup);
  }
}

/** One more deploy of each, not timed, through a counting proxy: engine calls by kind. */
async function countEngineCalls(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-proxy-'));
  const proxy = await startDockerProxy(path.join(dir, 'docker.sock'));
  const cleanup = async () => {
    await proxy.stop();
    await rm(dir, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  try {
    await spinColdOnce(proxy.host, () => proxy.reset());
    const spin = proxy.counts();
    proxy.reset();
    await composeColdOnce(proxy.host);
    const composeCalls = proxy.counts();
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    return { spin, spinTotal: total(spin), compose: composeCalls, composeTotal: total(composeCalls) };
  } finally {
    await runCleanup(cleanup);
  }
}

async function composeColdOnce(dockerHost?: string): Promise<number> {
  const project = uniqueName('bench-cold-compose');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-compose-'));
  const cleanup = async () => {
    await removeComposeProject(project);
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  try {
    const file = path.join(tmp, 'docker-compose.yml');
    await writeFile(file, composeFile({ services: SERVICES }));
    const run = await compose(project, file, ['up', '-d'], { dockerHost });
    return run.wallMs;
  } finally {
    await runCleanup(cleanup);
  }
}

/**
 * Where the time of a Spin deploy went, from the daemon's 'action done' lines: how long after the
 * commit the first engine action started (detect + read + validate + plan), when the last ended,
 * and the summed duration by action kind (create includes waiting for the container to run).
 */
export function actionPhases(lines: LogLine[], commit: Commit): Record<string, unknown> {
  if (lines.length === 0) return { actions: 0 };
  const starts = lines.map((l) => l.time - Number(l.durationMs ?? 0));
  const byKind: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  for (const l of lines) {
    const words = String(l.action ?? '?').split(' ');
    const kind = ['network', 'volume'].includes(words[1] ?? '')
      ? `${words[0]} ${words[1]}`
      : (words[0] as string);
    const entry = (byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    entry.count++;
    entry.totalMs += Number(l.durationMs ?? 0);
    entry.maxMs = Math.max(entry.maxMs, Number(l.durationMs ?? 0));
  }
  return {
    actions: lines.length,
    firstActionStartMs: Math.min(...starts) - commit.at,
    lastActionEndMs: Math.max(...lines.map((l) => l.time)) - commit.at,
    byKind,
  };
}
