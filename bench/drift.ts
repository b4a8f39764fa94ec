/**
 * 7. Drift repair latency: one project of two busybox sleepers on the git smart-HTTP server, the
 * real `spin daemon` (log level debug, for its latency trace) polling hourly with a yearly resync,
 * so only engine events wake it. N `docker stop -t 1` and N `docker rm -f` of its containers, one
 * at a time, each after the last repair ended. From the engine's own event times and the daemon's
 * trace (bench/lib/drift-stages.ts): where the time goes, stage by stage, from the engine's event
 * to the first repair action and to the repaired container's `start`.
 *
 * The engine floor, measured in the same run on a container of the same image that the bench
 * repairs itself: its event stream's delivery to a bare client (the first event's engine time to
 * its arrival here), and the engine's own time to repair (the first event's engine time to the
 * `start` event when this process calls start, or create + start, as soon as the `die`, or
 * `destroy`, arrives). Spin's figures are given as a ratio against it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { startDaemonProcess, writeDaemonConfig, type DaemonProcess } from './lib/daemon-process.js';
import {
  driftStages,
  formatStages,
  summariseStages,
  type ObservedEvent,
  type StageTimes,
} from './lib/drift-stages.js';
import { containerName } from '../src/stack/names.js';
import { engine, removeSpinProjectsByPrefix } from './lib/engine.js';
import { startGitServerProcess, type GitServerProcess } from './lib/git-server.js';
import type { BenchResult, Figure } from './lib/report.js';
import { commitToBare, createBareRepo } from './lib/repos.js';
import { SLEEPER_COMMAND, SLEEPER_IMAGE, serviceNames, spinStack } from './lib/stacks.js';
import { median, onCleanup, pollUntil, round, runCleanup, sleep, uniqueName } from './lib/util.js';

const SERVICES = 2;
const TIMEOUT_MS = 120_000;

export interface DriftOptions {
  /** Stops and removals each (default 3 each). */
  reps: number;
}

/** The engine's container events for names starting with `prefix`, with their arrival here. */
async function observe(prefix: string): Promise<{ events: ObservedEvent[]; close(): void }> {
  const stream = (await engine().getEvents({ filters: { type: ['container'] } })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  const events: ObservedEvent[] = [];
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    const seenAt = Date.now();
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const raw = JSON.parse(buffer.slice(0, newline)) as {
        Action: string;
        timeNano: number;
        Actor?: { Attributes?: { name?: string } };
      };
      buffer = buffer.slice(newline + 1);
      // A replacement starts under its temporary name (`-next`) and takes the replica's once ready.
      const name = (raw.Actor?.Attributes?.name ?? '').replace(/-next$/, '');
      if (name.startsWith(prefix)) events.push({ action: raw.Action, name, at: raw.timeNano / 1e6, seenAt });
    }
  });
  return { events, close: () => stream.destroy() };
}

async function waitEvent(events: ObservedEvent[], match: (e: ObservedEvent) => boolean, what: string) {
  return pollUntil(async () => events.find(match), { timeoutMs: TIMEOUT_MS, intervalMs: 5, what });
}

/** The floor: this process repairs its own container the moment the engine reports the drift. */
async function floorRepair(
  op: 'stop' | 'rm',
  name: string,
  events: ObservedEvent[],
): Promise<{ delivery: number; toRunning: number }> {
  const d = engine();
  const create = () =>
    d.createContainer({
      name,
      Image: SLEEPER_IMAGE,
      Cmd: SLEEPER_COMMAND,
      Labels: { 'bench.drift': 'floor' },
      HostConfig: { NetworkMode: 'none', Memory: 16 * 1024 * 1024, NanoCpus: 1e8, CapDrop: ['ALL'] },
    });
  let container: Docker.Container = d.getContainer(name);
  const at = Date.now();
  const trigger = op === 'stop' ? 'die' : 'destroy';
  if (op === 'stop') await container.stop({ t: 1 });
  else await container.remove({ force: true });
  const drift = await waitEvent(
    events,
    (e) => e.name === name && e.action === trigger && e.at >= at - 5,
    trigger,
  );
  if (op === 'rm') container = await create();
  await container.start();
  const first = events.find(
    (e) => e.name === name && e.at >= at - 5 && e.action !== 'start',
  ) as ObservedEvent;
  const started = await waitEvent(
    events,
    (e) => e.name === name && e.action === 'start' && e.at > drift.at,
    'start',
  );
  return { delivery: (first.seenAt ?? first.at) - first.at, toRunning: started.at - first.at };
}

export async function benchDrift(opts: DriftOptions): Promise<BenchResult> {
  const prefix = uniqueName('bench-dr');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bench-drift-'));
  const floorName = `${prefix}-floor`;
  let server: GitServerProcess | undefined;
  let daemon: DaemonProcess | undefined;
  let watch: { close(): void } | undefined;
  const cleanup = async () => {
    watch?.close();
    await daemon?.stop();
    await server?.stop();
    await removeSpinProjectsByPrefix(prefix);
    await engine()
      .getContainer(floorName)
      .remove({ force: true })
      .catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  };
  onCleanup(cleanup);
  try {
    const gitRoot = path.join(tmp, 'git');
    server = await startGitServerProcess(gitRoot);
    const gitdir = await createBareRepo(gitRoot, prefix);
    const head = await commitToBare(
      gitdir,
      { 'compose.yaml': spinStack({ services: SERVICES, noNetwork: true, tag: prefix }) },
      'two sleepers',
    );
    const configFile = await writeDaemonConfig(path.join(tmp, 'spin.yaml'), {
      stateDir: path.join(tmp, 'state'),
      pollInterval: '1h',
      resyncSchedule: '0 0 1 1 *',
      projects: [{ name: prefix, repo: server.repoUrl(prefix) }],
    });
    const observed = await observe(prefix);
    watch = observed;
    const { events } = observed;
    daemon = await startDaemonProcess(configFile, 'debug');
    const names = serviceNames(SERVICES).map((s) => containerName(prefix, s, 1));
    const runningId = async (name: string) =>
      pollUntil(
        async () => {
          const [c] = await engine().listContainers({ all: true, filters: { name: [`^/${name}$`] } });
          return c?.State === 'running' && c.Labels?.['spin.commit'] === head ? c.Id : undefined;
        },
        { timeoutMs: TIMEOUT_MS, intervalMs: 100, what: `${name} running` },
      );
    for (const name of names) await runningId(name);
    await sleep(2_000);

    const ops = Array.from(
      { length: opts.reps * 2 },
      (_, i) => (i % 2 === 0 ? 'stop' : 'rm') as 'stop' | 'rm',
    );
    const disruptions: { op: 'stop' | 'rm'; project: string; name: string; at: number }[] = [];
    for (const [i, op] of ops.entries()) {
      const name = names[i % names.length] as string;
      const container = engine().getContainer(await runningId(name));
      const at = Date.now();
      if (op === 'stop') await container.stop({ t: 1 });
      else await container.remove({ force: true });
      disruptions.push({ op, project: prefix, name, at });
      await daemon.waitForLog(
        (l) => l.msg === 'action done' && String(l.action).includes(name) && l.time > at,
        TIMEOUT_MS,
      );
      await runningId(name);
      // Quiet before the next one: the repair's own events and passes are over.
      await sleep(1_000);
    }
    const logs = daemon.logs;
    const stages: StageTimes[] = disruptions.map((d) => driftStages(d, events, logs));
    const summary = summariseStages(stages);
    console.error(`  drift stages:\n${formatStages(summary)}`);

    // The floor, same engine, same moment.
    const floor: { delivery: number; toRunning: number }[] = [];
    await (
      await engine().createContainer({
        name: floorName,
        Image: SLEEPER_IMAGE,
        Cmd: SLEEPER_COMMAND,
        Labels: { 'bench.drift': 'floor' },
        HostConfig: { NetworkMode: 'none', Memory: 16 * 1024 * 1024, NanoCpus: 1e8, CapDrop: ['ALL'] },
      })
    ).start();
    for (const op of ops) {
      floor.push(await floorRepair(op, floorName, events));
      await sleep(500);
    }
    const floorDelivery = median(floor.map((f) => f.delivery));
    const floorRunning = median(floor.map((f) => f.toRunning));
    const p50 = (stage: keyof StageTimes) => summary[stage]?.p50 ?? NaN;
    const stageRows: Figure[] = (
      [
        'floorDrift',
        'own',
        'settle',
        'delivery',
        'roundStart',
        'waitPass',
        'list',
        'plan',
        'prepare',
      ] as const
    ).map((stage) => ({ bench: 'drift', metric: `stage ${stage} (median)`, unit: 'ms', spin: p50(stage) }));
    return {
      name: 'drift',
      figures: [
        {
          bench: 'drift',
          metric: `engine event to first repair action, ${opts.reps} stops + ${opts.reps} removals (median)`,
          unit: 'ms',
          spin: p50('toAction'),
          ratio: p50('toAction') / Math.max(1, p50('floorDrift')),
          ratioKind: 'spin/compose',
          goal: '<= 1000 ms (ratio: vs the engine reporting the drift)',
          pass: (summary.toAction?.max ?? Infinity) <= 1_000,
        },
        {
          bench: 'drift',
          metric: 'engine event to the repaired container started (median)',
          unit: 'ms',
          spin: p50('toRunning'),
          ratio: p50('toRunning') / floorRunning,
          ratioKind: 'spin/compose',
          goal: '<= 10 s',
          pass: (summary.toRunning?.max ?? Infinity) <= 10_000,
        },
        ...stageRows,
      ],
      details: {
        stages: summary,
        perDisruption: disruptions.map((d, i) => ({ ...d, ...stages[i] })),
        floor: { samples: floor, deliveryMs: round(floorDelivery), toRunningMs: round(floorRunning) },
      },
      notes: [
        `floor (same engine, same run, this process repairing its own container): event delivery ${round(floorDelivery)} ms, event to running ${round(floorRunning)} ms (the compose column is empty: ratios are against the floor)`,
      ],
    };
  } finally {
    await runCleanup(cleanup);
  }
}
