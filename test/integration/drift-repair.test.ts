import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftStages, formatStages, summariseStages, type TraceLine } from '../../bench/lib/drift-stages.js';
import { containerName } from '../../src/stack/names.js';
import { docker, listProjectContainers, removeProject, waitFor } from '../helpers/docker.js';
import { watchEngineEvents } from '../helpers/engine-events.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * Drift is repaired from engine events alone, every time: the poll interval is an hour and the
 * resync yearly, so nothing but the event stream can wake the daemon. 50 `docker stop -t 1`s and
 * 50 `docker rm -f`s of managed containers: four projects of two services each, every container
 * disrupted again and again by its own loop at random moments, side by side, so that most land
 * while a pass of their project is repairing the other service (the wake-ups a pass must not
 * drop). Each one must be repaired; the latencies are printed (the product's bound, the repair's
 * first engine call within 1 s of the engine's event, is a figure for a quiet machine, not an
 * assertion here).
 */
const SERVICES = ['a', 'b'];
const FOLDERS = ['p1', 'p2', 'p3', 'p4'];
const DISRUPTIONS = 100;
let f: ProjectFixture;
let projects: string[] = [];

beforeAll(async () => {
  f = await projectFixture('drift', {
    pollInterval: '1h',
    project: { path: 'p1' },
    config: { resyncSchedule: '0 0 1 1 *' },
  });
  projects = FOLDERS.map((folder, i) => (i === 0 ? f.project : `${f.project}-${folder}`));
  await f.writeConfig({
    ...f.config,
    projects: FOLDERS.map((folder, i) => ({
      name: projects[i],
      repo: f.server.repoUrl(f.project),
      path: folder,
    })),
  });
  await f.push(
    Object.fromEntries(FOLDERS.map((folder) => [`${folder}/compose.yaml`, sleeperStack(SERVICES)])),
    'two sleepers in each of four folders',
  );
});

afterAll(async () => {
  await f?.cleanup();
  for (const project of projects.slice(1)) await removeProject(project);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const summary = (values: number[]) =>
  `p50 ${Math.round(percentile(values, 50))} ms, p90 ${Math.round(percentile(values, 90))} ms, ` +
  `max ${Math.round(Math.max(...values))} ms (n=${values.length})`;

describe('drift repair from engine events (poll 1h, resync yearly)', () => {
  it('repairs every one of 50 stops and 50 removals, also those during a running pass', async () => {
    await f.startDaemon();
    for (const project of projects) {
      await f.waitStatusOf(
        project,
        (s) => s.health === 'Healthy' && s.sync === 'Synced',
        `${project} deployed`,
      );
    }
    const watch = await watchEngineEvents(f.project);
    const names = projects.flatMap((project) =>
      SERVICES.map((service) => ({ project, service, name: containerName(project, service, 1) })),
    );
    // Exactly 50 of each, in random order.
    const ops = Array.from({ length: DISRUPTIONS }, (_, i): 'stop' | 'rm' => (i % 2 === 0 ? 'stop' : 'rm'));
    ops.sort(() => Math.random() - 0.5);
    const disruptions: { op: 'stop' | 'rm'; project: string; service: string; name: string; at: number }[] =
      [];
    // One loop per container, side by side: disrupt it, wait until the engine started it again,
    // pause a random moment, again, until the 100 disruptions are used up.
    const loop = async ({ project, service, name }: { project: string; service: string; name: string }) => {
      for (let i = 1; ops.length > 0; i++) {
        const c = await waitFor(
          async () => (await listProjectContainers(project)).find((x) => x.name === name),
          { until: (x) => x?.state === 'running', timeoutMs: 60_000, description: `${name} running` },
        );
        const op = ops.pop();
        if (!op) return;
        const at = Date.now();
        const container = docker().getContainer(c?.id as string);
        if (op === 'stop') await container.stop({ t: 1 });
        else await container.remove({ force: true });
        disruptions.push({ op, project, service, name, at });
        await waitFor(() => watch.events.some((e) => e.action === 'start' && e.name === name && e.at > at), {
          timeoutMs: 60_000,
          intervalMs: 100,
          description: `${op} of ${name} (#${i}) repaired`,
        });
        // The repair action has ended (its readiness check included) before this container is
        // hit again, so each disruption is repaired by a pass of its own (a container that exits
        // during its repair's readiness check is retried later: repair-retry.test.ts). Other
        // containers of the project are hit during it.
        await waitFor(
          () =>
            (f.daemon?.logs ?? []).some(
              (l) => l.msg === 'action done' && String(l.action).includes(name) && (l.time as number) > at,
            ),
          { timeoutMs: 60_000, intervalMs: 100, description: `repair of ${name} (#${i}) done` },
        );
        await sleep(Math.random() * 1_000);
      }
    };
    try {
      await Promise.all(names.map(loop));
    } finally {
      watch.close();
    }

    // Latencies from the engine's timestamps: its first event of each disruption to the daemon's
    // first repair action on that container (start of the call) and to the engine's `start`.
    const actions = (f.daemon?.logs ?? [])
      .filter((l) => l.msg === 'action done' && typeof l.action === 'string')
      .map((l) => ({
        action: l.action as string,
        startedAt: (l.time as number) - ((l.durationMs as number) ?? 0),
      }));
    const toAction: number[] = [];
    const fromDie: number[] = [];
    const fromDown: number[] = [];
    const toRunning: number[] = [];
    let duringPass = 0;
    for (const d of disruptions) {
      const first = watch.events.find((e) => e.name === d.name && e.at >= d.at - 5 && e.action !== 'start');
      const start = watch.events.find((e) => e.action === 'start' && e.name === d.name && e.at > d.at);
      expect(first, `${d.op} ${d.name}: engine event`).toBeDefined();
      expect(start, `${d.op} ${d.name}: started again`).toBeDefined();
      if (!first || !start) continue;
      toRunning.push(start.at - first.at);
      const repair = actions.find((a) => a.action.includes(d.name) && a.startedAt >= first.at - 5);
      if (repair) toAction.push(repair.startedAt - first.at);
      // The container's `die`, and the event that says it is down: a stopped one's `stop` (until
      // then the engine still lists it running), a removed one's `destroy` (its name is taken
      // until then). A repair can act only after the latter.
      const after = (action: string) =>
        watch.events.find((e) => e.name === d.name && e.at >= first.at && e.action === action);
      const die = after('die');
      const down = after(d.op === 'stop' ? 'stop' : 'destroy');
      if (repair && die) fromDie.push(repair.startedAt - die.at);
      if (repair && down) fromDown.push(repair.startedAt - down.at);
      // Another container's repair action was in flight when this disruption hit the engine.
      if (
        actions.some(
          (a) => !a.action.includes(d.name) && a.startedAt <= first.at && first.at - a.startedAt < 2_000,
        )
      )
        duringPass++;
    }
    const stages = disruptions.map((d) =>
      driftStages(d, watch.events, (f.daemon?.logs ?? []) as TraceLine[]),
    );
    const firstCalls = stages.map((s) => s.firstCall).filter((v): v is number => v !== undefined);
    const beside = (f.daemon?.logs ?? []).filter((l) => l.msg === 'drift repaired beside the running pass');
    console.log(
      `drift repair, ${disruptions.length} disruptions (${duringPass} while another repair ran, ` +
        `${beside.length} side repairs beside a running pass):\n` +
        `  engine event -> first repair action: ${summary(toAction)}\n` +
        `  die -> first repair action:          ${summary(fromDie)}\n` +
        `  stop or destroy -> first repair action: ${summary(fromDown)}\n` +
        `  stop or destroy -> the repair's first engine call (its list): ${summary(firstCalls)}\n` +
        `  engine event -> container started:   ${summary(toRunning)}\n` +
        `  stages (see bench/lib/drift-stages.ts):\n` +
        formatStages(summariseStages(stages)),
    );
    // DRIFT_DUMP=file keeps the raw material (disruptions, engine events, daemon log) to study a tail.
    const dump = process.env.DRIFT_DUMP;
    if (dump)
      writeFileSync(dump, JSON.stringify({ disruptions, events: watch.events, logs: f.daemon?.logs }));
    expect(disruptions.filter((d) => d.op === 'stop')).toHaveLength(50);
    expect(disruptions.filter((d) => d.op === 'rm')).toHaveLength(50);
    expect(toRunning).toHaveLength(100);
    // One repair per disruption: the burst of events each one makes (die, stop or destroy, and
    // the repair's own) is coalesced, never repaired twice (a second, successful action on the
    // same container would replace what the first had just repaired).
    const firstAt = Math.min(...disruptions.map((d) => d.at));
    for (const { name } of names) {
      const repairs = (f.daemon?.logs ?? []).filter(
        (l) => l.msg === 'action done' && String(l.action).includes(name) && (l.time as number) > firstAt,
      );
      expect(repairs, `repairs of ${name}`).toHaveLength(disruptions.filter((d) => d.name === name).length);
    }
    for (const project of projects) {
      await f.waitStatusOf(
        project,
        (s) => s.health === 'Healthy' && s.sync === 'Synced',
        `${project} at the end`,
      );
    }
  }, 900_000);
});
