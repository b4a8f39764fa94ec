/**
 * 1. Cold deploy of a 20-service stack. Spin: the real `spin daemon` already runs the project at
 * an empty stack (`services: {}`) from a local repository it watches; the clock starts when
 * `git commit` of the 20 services returns and stops when the engine lists 20 running containers
 * labelled with that commit (one filtered list call every 25 ms). compose: wall time of
 * `docker-compose -p P -f F up -d` on the same services. Median of N runs each, alternating.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compose, removeComposeProject } from './lib/engine.js';
import type { LogLine } from './lib/daemon-process.js';
import type { BenchResult } from './lib/report.js';
import { startSpinProject, waitContainers, type Commit } from './lib/spin-project.js';
import { EMPTY_SPIN_STACK, composeFile, spinStack } from './lib/stacks.js';
import { median, onCleanup, round, runCleanup, uniqueName } from './lib/util.js';

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
    ],
    details: {
      spinRunsMs: spinRuns.map((v) => round(v)),
      composeRunsMs: composeRuns.map((v) => round(v)),
      phases,
    },
    notes: [],
  };
}

/** One Spin cold deploy; returns the commit-to-running time and where the time went. */
async function spinColdOnce(): Promise<{ ms: number; phases: Record<string, unknown> }> {
  const project = uniqueName('bench-cold');
  const spin = await startSpinProject(project, EMPTY_SPIN_STACK, { repo: 'local' });
  try {
    const commit = await spin.commit(spinStack({ services: SERVICES }), 'twenty services');
    const done = await waitContainers(
      [`spin.project=${project}`, `spin.commit=${commit.sha}`],
      (running) => running.length === SERVICES,
      TIMEOUT_MS,
      `${SERVICES} containers of ${project}`,
    );
    const ms = done.atPerf - commit.atPerf;
    await spin.waitApplied(commit.sha, TIMEOUT_MS);
    return { ms, phases: actionPhases(spin.actionsFor(commit.sha), commit) };
  } finally {
    await spin.stop();
  }
}

async function composeColdOnce(): Promise<number> {
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
    const run = await compose(project, file, ['up', '-d']);
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
