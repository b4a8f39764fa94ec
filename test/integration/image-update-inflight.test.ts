/**
 * An image update (a followed tag whose digest moved) does not hold its pass, on the real engine,
 * a real registry and the real daemon: the pass that finds the moved digest starts the new
 * replica beside the old one and ends progressing; later passes judge it. Readiness is the test's
 * to give (a file the healthcheck looks for; the first image carries it, the others do not), so
 * nothing here depends on how fast the machine is. A daemon killed while a bad digest proves
 * itself picks that very container up after its restart; the container then dies (stopped by the
 * test: a crash, without waiting out a health window), and the daemon goes back to the old digest
 * and does not try the bad one again.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, execIn, listProjectContainers, requireDocker, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { projectHistory } from '../helpers/api-client.js';
import { spinJson } from '../helpers/spin-cli.js';

const run = promisify(execFile);
const DOCKER = '/usr/bin/docker';
const LOCAL = `spin-test/imgnb-${randomBytes(4).toString('hex')}`;

let registry: TestRegistry;
let f: ProjectFixture;
let ref: string;
let repository: string;
/** Digests: `ready` is healthy at once; `slow` and `bad` only once /tmp/ready exists. */
let ready: string;
let slow: string;
let bad: string;

/**
 * Start-first, so the old replica runs on while the new one proves itself. A container nobody
 * makes ready turns unhealthy only after 100 failed checks 3 s apart (5 minutes), so a loaded
 * machine does not fail an update the test means to succeed.
 */
const stack = `services:
  app:
    image: REF
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 3s, timeout: 5s, retries: 100 }
    deploy:
      update_config: { order: start-first }
      ${LIMITS}
    x-spin: { imageUpdates: digest }
${HARDENING}`;

const containers = () => listProjectContainers(f.project);
const nextName = () => `${f.project}_app_1-next`;
const progressingLogs = () =>
  (f.daemon?.logs ?? []).filter((l) => l.msg === 'pass ended progressing' && l.project === f.project);

/** A local image from busybox: `variant` sets it apart (its own digest), `withReady` bakes /tmp/ready in. */
async function localImage(variant: string, withReady: boolean): Promise<string> {
  const { stdout } = await run(DOCKER, ['create', BUSYBOX_IMAGE, 'true']);
  const id = stdout.trim();
  if (withReady) {
    const file = path.join(f.tmp, 'ready');
    await writeFile(file, '');
    await run(DOCKER, ['cp', file, `${id}:/tmp/ready`]);
  }
  const tag = `${LOCAL}:${variant}`;
  await run(DOCKER, ['commit', '--change', `LABEL spin-test.variant=${variant}`, id, tag]);
  await run(DOCKER, ['rm', id]);
  return tag;
}

/** Waits for the `-next` container of an update, running and still proving itself. */
async function nextContainer(digest: string, description: string) {
  const list = await waitFor(containers, {
    until: (l) =>
      l.some(
        (c) => c.name === nextName() && c.state === 'running' && c.labels['spin.image-digest'] === digest,
      ),
    timeoutMs: 90_000,
    description,
  });
  return list.find((c) => c.name === nextName()) as (typeof list)[number];
}

const historyOf = () => projectHistory(f.daemon?.apiUrl ?? '', f.project);

beforeAll(async () => {
  await requireDocker();
  registry = await startRegistry();
  f = await projectFixture('imgnb', { config: { imageUpdateSchedule: '*/2 * * * * *' } });
  repository = `lab/${f.project}`;
  ref = `${registry.host}/${repository}:1`;
  ready = await registry.push(await localImage('ready', true), repository, '1');
  await f.push({ 'compose.yaml': stack.replace('REF', ref) }, 'follow the tag');
  await f.startDaemon();
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
  await registry?.stop();
  for (const variant of ['ready', 'slow', 'bad']) {
    await run(DOCKER, ['image', 'rm', '--force', `${LOCAL}:${variant}`]).catch(() => {});
  }
});

describe('an image update that is slow to become ready', () => {
  it('ends its passes progressing while the new digest proves itself, then rolls out', async () => {
    await f.waitStatus((s) => s.health === 'Healthy' && s.images?.app?.digest === ready, 'deployed', 90_000);
    const [old] = await containers();

    slow = await registry.push(await localImage('slow', false), repository, '1');
    const next = await nextContainer(slow, 'the new digest starting beside the old one');
    // The pass that started it did not wait for its verdict, nor did the passes after it.
    const before = progressingLogs().length;
    await waitFor(() => progressingLogs().length, {
      until: (n) => n > before + 1,
      timeoutMs: 60_000,
      description: 'passes ending progressing while the update is judged',
    });
    const during = await f.waitStatus(
      (s) => s.health === 'Progressing' && (s.imageUpdates?.inFlight?.length ?? 0) > 0,
      'the update shown in flight',
      60_000,
    );
    expect(during.imageUpdates?.inFlight).toEqual([
      { service: 'app', ref, from: ready, to: slow, since: expect.any(String) },
    ]);
    // ... with the new container still proving itself, beside the old one.
    expect((await containers()).map((c) => [c.name, c.id])).toEqual([
      [`${f.project}_app_1`, old?.id],
      [nextName(), next.id],
    ]);
    // `spin plan` pins as the daemon does (from its status): the update is awaited, not a stray.
    const plan = await spinJson<{ actions: { kind: string }[] }>([
      'plan',
      '--config',
      f.configFile,
      f.project,
      '--json',
    ]);
    expect(plan.actions.map((a) => a.kind)).toEqual(['await']);

    expect((await execIn(next.id, ['touch', '/tmp/ready'])).exitCode).toBe(0);
    const done = await f.waitStatus(
      (s) => s.health === 'Healthy' && s.images?.app?.digest === slow && s.imageUpdates === undefined,
      'the new digest rolled out',
      90_000,
    );
    expect(done.lastError).toBeUndefined();
    const after = await containers();
    expect(after.map((c) => [c.name, c.id, c.labels['spin.image-digest']])).toEqual([
      [`${f.project}_app_1`, next.id, slow],
    ]);
    const history = await historyOf();
    expect(history.events.find((e) => e.kind === 'image-update')?.message).toContain(
      `${ready} -> ${slow} rolled out`,
    );
  }, 300_000);

  it('a daemon killed while a bad digest proves itself goes back to the old digest after a restart and rejects the bad one', async () => {
    const [old] = await containers();
    expect(old?.labels['spin.image-digest']).toBe(slow);
    bad = await registry.push(await localImage('bad', false), repository, '1');
    const next = await nextContainer(bad, 'the bad digest starting');
    // The status file says the update is in flight before the daemon goes.
    await f.waitStatus((s) => s.imageUpdates?.inFlight?.[0]?.to === bad, 'the update recorded', 60_000);
    await f.daemon?.kill();

    // Every container of the bad digest the project ever gets: only the one being judged.
    const badIds = new Set<string>([next.id]);
    const watch = async () => {
      const list = await containers();
      for (const c of list) if (c.labels['spin.image-digest'] === bad) badIds.add(c.id);
      return list;
    };
    await f.startDaemon();
    // The restarted daemon picks the update up (its passes end progressing) instead of removing a
    // stray; then the new container dies.
    await waitFor(() => progressingLogs().length, {
      until: (n) => n > 0,
      timeoutMs: 90_000,
      description: 'the restarted daemon judging the update in flight',
    });
    expect((await watch()).map((c) => c.id)).toEqual([old?.id, next.id]);
    await docker().getContainer(next.id).stop({ t: 1 });
    const s = await waitFor(
      async () => {
        await watch();
        return f.status();
      },
      {
        until: (s) => s?.lastError?.reason === 'ImageUpdateFailed',
        timeoutMs: 180_000,
        intervalMs: 500,
        description: 'the restarted daemon judging the update failed',
      },
    );
    expect(s?.lastError?.message).toContain(slow.slice(0, 19));
    expect(s?.lastError?.message).toContain(bad.slice(0, 19));
    expect(s?.imageUpdates?.rejected).toEqual([
      { ref, digest: bad, from: slow, message: expect.stringContaining('failed') },
    ]);
    expect(s?.imageUpdates?.inFlight).toBeUndefined();

    // The old replica ran on; several update checks later (every 2 s) the tag still names the
    // bad digest, and it is not tried again.
    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    const seen = daemon.logs.filter((l) => l.msg === 'reconcile pass').length;
    await waitFor(
      async () => {
        await watch();
        return daemon.logs.filter((l) => l.msg === 'reconcile pass').length;
      },
      { until: (n) => n >= seen + 5, timeoutMs: 60_000, description: 'five more passes' },
    );
    expect((await watch()).map((c) => [c.name, c.id, c.labels['spin.image-digest']])).toEqual([
      [`${f.project}_app_1`, old?.id, slow],
    ]);
    expect([...badIds]).toEqual([next.id]);
    const after = await f.status();
    expect(after?.images?.app?.digest).toBe(slow);
    expect(after?.lastError?.reason).toBe('ImageUpdateFailed');
    const history = await historyOf();
    expect(history.events.some((e) => e.kind === 'image-update' && e.message.includes('rolled back'))).toBe(
      true,
    );
  }, 400_000);
});
