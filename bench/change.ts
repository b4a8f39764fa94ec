/**
 * 2. One-service change in the 20-service stack: a new REVISION in one service's environment.
 * Spin (the real daemon): commit-to-converged, converged meaning the changed service's container
 * runs with the new commit's label; every other container must keep its ID. Measured through a
 * watched local repository and through a bare repository on the git smart-HTTP server announced by
 * a signed GitHub push webhook. compose: `docker-compose up -d` wall time after the same edit.
 * Each side deploys the stack once (not timed), then makes N changes, each to another service.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { actionPhases, SERVICES } from './cold.js';
import { compose, removeComposeProject, runningWith, type RunningContainer } from './lib/engine.js';
import type { BenchResult, Figure } from './lib/report.js';
import { startSpinProject, waitContainers } from './lib/spin-project.js';
import { composeFile, serviceName, spinStack } from './lib/stacks.js';
import { median, onCleanup, round, runCleanup, uniqueName } from './lib/util.js';

const TIMEOUT_MS = 120_000;

export interface ChangeOptions {
  reps: number;
  webhook: boolean;
}

/** The services changed, one per repetition: spread over the stack. */
function changedServices(reps: number): string[] {
  return Array.from({ length: reps }, (_, i) => serviceName((5 + i * 7) % SERVICES));
}

export async function benchChange(opts: ChangeOptions): Promise<BenchResult> {
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  const composeRuns = await composeChanges(opts.reps);
  details.composeRunsMs = composeRuns.map((v) => round(v));
  const base = median(composeRuns);
  const figures: Figure[] = [];
  const variants: ('local' | 'http')[] = opts.webhook ? ['local', 'http'] : ['local'];
  for (const variant of variants) {
    const spin = await spinChanges(variant, opts.reps);
    details[`spin-${variant}`] = spin;
    const value = median(spin.runsMs);
    figures.push({
      bench: 'change',
      metric:
        variant === 'local'
          ? `1 of ${SERVICES} services changed, commit to replaced (watched local repo, median of ${opts.reps})`
          : `1 of ${SERVICES} services changed, push+webhook to replaced (HTTP repo, median of ${opts.reps})`,
      unit: 's',
      spin: value / 1000,
      compose: base / 1000,
      ratio: value / base,
      ratioKind: 'spin/compose',
      goal: '<= compose + 0.3 s, only that container replaced',
      pass: value <= base + 300 && spin.othersUntouched,
    });
    if (!spin.othersUntouched)
      notes.push(`change (${variant}): a container other than the changed one was replaced`);
  }
  return { name: 'change', figures, details, notes };
}

function idsByService(running: RunningContainer[], label: string): Map<string, string> {
  return new Map(running.map((c) => [c.labels[label] ?? c.name, c.id]));
}

/** Asserts that only `changed` got a new container ID; returns the names that moved unexpectedly. */
function unexpectedlyReplaced(
  before: Map<string, string>,
  after: Map<string, string>,
  changed: string,
): string[] {
  const moved: string[] = [];
  for (const [service, id] of before) {
    const now = after.get(service);
    if (service === changed ? now === id : now !== id) moved.push(service);
  }
  return moved;
}

async function spinChanges(
  repo: 'local' | 'http',
  reps: number,
): Promise<{ runsMs: number[]; statusAppliedMs: number[]; othersUntouched: boolean; phases: unknown[] }> {
  const project = uniqueName(`bench-chg-${repo}`);
  const revisions: Record<string, string> = {};
  const spin = await startSpinProject(project, spinStack({ services: SERVICES }), { repo });
  const runsMs: number[] = [];
  const statusAppliedMs: number[] = [];
  const phases: unknown[] = [];
  let othersUntouched = true;
  try {
    const all = await waitContainers(
      [`spin.project=${project}`],
      (running) => running.length === SERVICES,
      TIMEOUT_MS,
      `${SERVICES} containers of ${project}`,
    );
    let before = idsByService(all.running, 'spin.service');
    for (let rep = 0; rep < reps; rep++) {
      const changed = changedServices(reps)[rep] as string;
      revisions[changed] = String(rep + 2);
      const commit = await spin.commit(spinStack({ services: SERVICES, revisions }), `change ${changed}`);
      const done = await waitContainers(
        [`spin.project=${project}`, `spin.service=${changed}`, `spin.commit=${commit.sha}`],
        (running) => running.length === 1,
        TIMEOUT_MS,
        `${changed} of ${project} at ${commit.sha.slice(0, 12)}`,
      );
      runsMs.push(done.atPerf - commit.atPerf);
      await spin.waitApplied(commit.sha, TIMEOUT_MS);
      statusAppliedMs.push(performance.now() - commit.atPerf);
      phases.push(actionPhases(spin.actionsFor(commit.sha), commit));
      const after = idsByService(await runningWith([`spin.project=${project}`]), 'spin.service');
      const moved = unexpectedlyReplaced(before, after, changed);
      if (moved.length > 0 || after.size !== SERVICES) {
        othersUntouched = false;
        console.error(`  change (${repo}): unexpected replacements ${moved.join(', ')}`);
      }
      before = after;
      console.error(`  change ${repo} rep ${rep + 1}: spin ${runsMs.at(-1)?.toFixed(0)} ms`);
    }
  } finally {
    await spin.stop();
  }
  return {
    runsMs: runsMs.map((v) => round(v)),
    statusAppliedMs: statusAppliedMs.map((v) => round(v)),
    othersUntouched,
    phases,
  };
}

async function composeChanges(reps: number): Promise<number[]> {
  const project = uniqueName('bench-chg-compose');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-compose-'));
  const cleanup = async () => {
    await removeComposeProject(project);
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  const label = 'com.docker.compose.service';
  const runs: number[] = [];
  try {
    const file = path.join(tmp, 'docker-compose.yml');
    const revisions: Record<string, string> = {};
    await writeFile(file, composeFile({ services: SERVICES }));
    await compose(project, file, ['up', '-d']);
    let before = idsByService(await runningWith([`com.docker.compose.project=${project}`]), label);
    for (let rep = 0; rep < reps; rep++) {
      const changed = changedServices(reps)[rep] as string;
      revisions[changed] = String(rep + 2);
      await writeFile(file, composeFile({ services: SERVICES, revisions }));
      runs.push((await compose(project, file, ['up', '-d'])).wallMs);
      const after = idsByService(await runningWith([`com.docker.compose.project=${project}`]), label);
      const moved = unexpectedlyReplaced(before, after, changed);
      if (moved.length > 0) console.error(`  change (compose): unexpected replacements ${moved.join(', ')}`);
      before = after;
      console.error(`  change compose rep ${rep + 1}: ${runs.at(-1)?.toFixed(0)} ms`);
    }
  } finally {
    await runCleanup(cleanup);
  }
  return runs;
}
