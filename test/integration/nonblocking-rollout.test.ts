import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, execIn, listProjectContainers, removeProject, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import {
  HARDENING,
  LIMITS,
  projectFixture,
  sleeperStack,
  type ProjectFixture,
} from '../helpers/project-fixture.js';

/**
 * A pass does not wait for readiness (issue 14): a Docker rollout whose new container is slow to
 * become healthy ends its pass `progressing` and is picked up from the engine by the next passes,
 * so another project's drift is repaired meanwhile, even with one pass at a time
 * (`concurrency: 1`); and a daemon killed while the new container proves itself finishes the
 * rollout after a restart, with that very container. Readiness is the test's to give (a file the
 * healthcheck looks for), so nothing here depends on how fast the machine is.
 */
let f: ProjectFixture;
let other: string;
let otherPush: (files: Record<string, string>, message: string) => Promise<string>;

/** One start-first service that is healthy only once /tmp/ready exists. */
const slowStack = (mark: string) => `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 5s, retries: 100 }
    deploy:
      update_config: { order: start-first }
      ${LIMITS}
${HARDENING}`;

const containersOf = (project: string) => listProjectContainers(project);
const progressingLogs = (project: string) =>
  (f.daemon?.logs ?? []).filter((l) => l.msg === 'pass ended progressing' && l.project === project);

/** Waits for the `-next` container of the slow project's rollout, still starting. */
async function nextContainer(description: string) {
  const list = await waitFor(() => containersOf(f.project), {
    until: (l) => l.some((c) => c.name === `${f.project}_app_1-next` && c.state === 'running'),
    timeoutMs: 60_000,
    description,
  });
  return list.find((c) => c.name.endsWith('-next')) as (typeof list)[number];
}

async function makeReady(containerId: string): Promise<void> {
  const { exitCode } = await execIn(containerId, ['touch', '/tmp/ready']);
  expect(exitCode).toBe(0);
}

beforeAll(async () => {
  f = await projectFixture('slowroll', { config: { concurrency: 1 } });
  const extra = await f.addRepo('quick');
  other = extra.project;
  otherPush = extra.push;
  await f.writeConfig({
    ...f.config,
    projects: [...f.config.projects, { name: other, repo: extra.repoUrl }],
  });
});

afterAll(async () => {
  await f?.cleanup();
  if (other) await removeProject(other);
});

describe('a rollout that is slow to become ready', () => {
  let one: string;

  it('ends its passes progressing while another project is repaired, then completes', async () => {
    one = await f.push({ 'compose.yaml': slowStack('one') }, 'one');
    const quick = await otherPush({ 'compose.yaml': sleeperStack(['app']) }, 'quick');
    await f.startDaemon();
    // The first deploy is slow too: made ready by the test.
    const first = await nextContainer('first deploy started');
    await makeReady(first.id);
    await f.waitStatus((s) => s.appliedCommit === one && s.health === 'Healthy', 'one healthy', 60_000);
    await f.waitStatusOf(other, (s) => s.appliedCommit === quick && s.health === 'Healthy', 'quick healthy');

    const two = await f.push({ 'compose.yaml': slowStack('two') }, 'two');
    const next = await nextContainer('the new replica of two starting beside the old one');
    await waitFor(() => progressingLogs(f.project).length, {
      until: (n) => n > 0,
      timeoutMs: 60_000,
      description: 'a pass of the slow project ended progressing',
    });
    // Meanwhile the status says what is going on: the head is not applied yet.
    const during = await f.waitStatus(
      (s) => s.desiredCommit === two && s.health === 'Progressing',
      'the slow project shown progressing',
    );
    expect(during.sync).toBe('OutOfSync');
    expect(during.appliedCommit).toBe(one);

    // Drift in the other project, removed by hand: repaired while the slow rollout is in flight.
    const [victim] = await containersOf(other);
    await docker()
      .getContainer(victim?.id as string)
      .remove({ force: true });
    // Repaired means under its own name: a new replica runs as `-next` until it has proven itself
    // (a moment, or longer on a loaded machine), then takes it.
    const repaired = await waitFor(() => containersOf(other), {
      until: (l) =>
        l.length === 1 &&
        l[0]?.id !== victim?.id &&
        l[0]?.state === 'running' &&
        l[0]?.name === `${other}_app_1`,
      timeoutMs: 60_000,
      description: 'the other project repaired',
    });
    expect(repaired.map((c) => c.name)).toEqual([`${other}_app_1`]);
    // ... while the slow one was still on its way: its new container still proving itself,
    // beside the old one, and later passes still ending progressing.
    const slowNow = await containersOf(f.project);
    expect(slowNow.map((c) => [c.name, c.id])).toEqual([
      [`${f.project}_app_1`, expect.any(String)],
      [`${f.project}_app_1-next`, next.id],
    ]);
    expect((await f.status())?.appliedCommit).toBe(one);
    const before = progressingLogs(f.project).length;
    await waitFor(() => progressingLogs(f.project).length, {
      until: (n) => n > before,
      timeoutMs: 60_000,
      description: 'later passes of the slow project still ending progressing',
    });

    await makeReady(next.id);
    const done = await f.waitStatus(
      (s) => s.appliedCommit === two && s.health === 'Healthy' && s.sync === 'Synced',
      'two healthy',
      60_000,
    );
    expect(done.lastHealthyCommit).toBe(two);
    // The container that proved itself took the replica's name; the old one is gone.
    const after = await containersOf(f.project);
    expect(after.map((c) => [c.name, c.id, c.labels['spin.commit']])).toEqual([
      [`${f.project}_app_1`, next.id, two],
    ]);
  });

  it('a daemon killed while a start-first replica proves itself finishes that rollout after a restart', async () => {
    const three = await f.push({ 'compose.yaml': slowStack('three') }, 'three');
    const next = await nextContainer('the new replica of three starting');
    await f.daemon?.kill();
    const old = (await containersOf(f.project)).find((c) => c.name === `${f.project}_app_1`);
    expect(old?.labels['spin.commit']).not.toBe(three);

    await f.startDaemon();
    // The restarted daemon recognises the rollout in flight instead of removing a stray.
    await waitFor(() => progressingLogs(f.project).length, {
      until: (n) => n > 0,
      timeoutMs: 60_000,
      description: 'the restarted daemon picking the rollout up',
    });
    const flying = await containersOf(f.project);
    expect(flying.map((c) => c.id)).toEqual([old?.id, next.id]);

    await makeReady(next.id);
    await f.waitStatus(
      (s) => s.appliedCommit === three && s.health === 'Healthy' && s.sync === 'Synced',
      'three healthy after the restart',
      60_000,
    );
    const after = await containersOf(f.project);
    expect(after.map((c) => [c.name, c.id, c.labels['spin.commit']])).toEqual([
      [`${f.project}_app_1`, next.id, three],
    ]);
  });

  it('a replica stopped by hand is started again in place without holding its pass: Progressing while its healthcheck starts, then Healthy', async () => {
    const [running] = await containersOf(f.project);
    expect(running?.name).toBe(`${f.project}_app_1`);
    const id = running?.id as string;
    // Not ready once it runs again: the test gives readiness, as above.
    expect((await execIn(id, ['rm', '-f', '/tmp/ready'])).exitCode).toBe(0);
    const before = progressingLogs(f.project).length;
    await docker().getContainer(id).stop({ t: 1 });

    // The daemon starts it again (the stop is drift) and its pass ends progressing while the
    // healthcheck says starting; later passes judge it where it is, without starting it again.
    await waitFor(() => progressingLogs(f.project).length, {
      until: (n) => n > before + 1,
      timeoutMs: 90_000,
      description: 'passes of the project ending progressing while the restarted replica starts',
    });
    const during = await f.waitStatus((s) => s.health === 'Progressing', 'status Progressing', 60_000);
    expect(during.health).toBe('Progressing');
    const starting = await containersOf(f.project);
    expect(starting.map((c) => [c.name, c.id, c.state])).toEqual([[`${f.project}_app_1`, id, 'running']]);
    const inspected = await docker().getContainer(id).inspect();
    expect(inspected.State.Health?.Status).toBe('starting');

    await makeReady(id);
    await f.waitStatus((s) => s.health === 'Healthy' && s.sync === 'Synced', 'healthy again', 60_000);
    const after = await containersOf(f.project);
    expect(after.map((c) => [c.name, c.id, c.state])).toEqual([[`${f.project}_app_1`, id, 'running']]);
  });
});
