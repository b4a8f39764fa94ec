/**
 * Build, ship, run with a real registry (Debian's docker-registry on a loopback port) and the real
 * daemon: every replica runs the digest resolved at deploy time; a tag pushed again changes
 * nothing while the service does not follow its tag; a followed tag moves every replica,
 * health-gated, and a broken new image is rolled back to the old digest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, requireDocker, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE, WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { projectHistory } from '../helpers/api-client.js';
import { spinJson } from '../helpers/spin-cli.js';

let registry: TestRegistry;
let f: ProjectFixture;
let ref: string;
let repository: string;
let first: string;
let second: string;

const stack = (follow: boolean) => `
services:
  web:
    image: ${ref}
    deploy:
      replicas: 2
      update_config: { order: stop-first, parallelism: 1, monitor: 15s }
      ${LIMITS}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 5s
      retries: 2
    stop_grace_period: 1s
${follow ? '    x-spin: { imageUpdates: digest }\n' : ''}${HARDENING}`;

const web = async () =>
  (await listProjectContainers(f.project)).filter((c) => c.labels['spin.service'] === 'web');
/** Every replica runs `digest`, created from `repo@digest`, labelled with the stack's reference. */
const allRun = async (digest: string) => {
  const list = await web();
  return (
    list.length === 2 &&
    list.every(
      (c) =>
        c.state === 'running' &&
        c.image === `${registry.host}/${repository}@${digest}` &&
        c.labels['spin.image'] === ref &&
        c.labels['spin.image-digest'] === digest,
    )
  );
};

const historyOf = () => projectHistory(f.daemon?.apiUrl ?? '', f.project);

beforeAll(async () => {
  await requireDocker();
  registry = await startRegistry();
  f = await projectFixture('regdig', { config: { imageUpdateSchedule: '*/2 * * * * *' } });
  repository = `lab/${f.project}`;
  ref = `${registry.host}/${repository}:1`;
  first = await registry.push(WEB_IMAGE, repository, '1');
  await f.push({ 'compose.yaml': stack(false) }, 'first');
  await f.startDaemon();
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
  await registry?.stop();
});

describe('pinned digests', () => {
  it('runs every replica from the digest resolved at deploy time and says so in status', async () => {
    const s = await f.waitStatus((s) => s.health === 'Healthy' && s.sync === 'Synced', 'deployed', 90_000);
    expect(s.images?.web).toEqual({ ref, digest: first });
    expect(await allRun(first)).toBe(true);
  });

  it('changes nothing when the tag is pushed again and the service does not follow it', async () => {
    const before = (await web()).map((c) => c.id).sort();
    second = await registry.push(WEB_IMAGE_V2, repository, '1');
    expect(second).not.toBe(first);
    // Several update checks (every 2 s) and polls pass: the service does not follow its tag.
    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    const seen = daemon.logs.filter((l) => l.msg === 'reconcile pass').length;
    await waitFor(() => daemon.logs.filter((l) => l.msg === 'reconcile pass').length, {
      until: (n) => n >= seen + 5,
      timeoutMs: 60_000,
      description: 'five more passes',
    });
    expect((await web()).map((c) => c.id).sort()).toEqual(before);
    expect(await allRun(first)).toBe(true);
    expect((await f.status())?.images?.web?.digest).toBe(first);
    // `spin plan` pins as the daemon does: nothing to do.
    const plan = await spinJson<{ actions: unknown[] }>([
      'plan',
      '--config',
      f.configFile,
      f.project,
      '--json',
    ]);
    expect(plan.actions).toEqual([]);
  });

  it('moves every replica to the new digest once the service follows its tag, and records both', async () => {
    await f.push({ 'compose.yaml': stack(true) }, 'follow the tag');
    await waitFor(() => allRun(second), {
      timeoutMs: 120_000,
      description: 'both replicas on the new digest',
    });
    const s = await f.waitStatus(
      (s) => s.images?.web?.digest === second && s.health === 'Healthy',
      'status shows the new digest',
      60_000,
    );
    expect(s.images?.web?.ref).toBe(ref);
    const history = await historyOf();
    const update = history.events.find((e) => e.kind === 'image-update');
    expect(update?.message).toContain(`${first} -> ${second} rolled out`);
  });

  it('rolls a broken new image back to the digest that ran', async () => {
    // busybox serves nothing on 8080: the health gate fails on the first replica.
    const broken = await registry.push(BUSYBOX_IMAGE, repository, '1');
    const s = await f.waitStatus(
      (s) => s.lastError?.reason === 'ImageUpdateFailed',
      'image update rolled back',
      120_000,
    );
    expect(s.lastError?.message).toContain(second.slice(0, 19));
    expect(s.lastError?.message).toContain(broken.slice(0, 19));
    await waitFor(() => allRun(second), { timeoutMs: 120_000, description: 'back on the old digest' });
    await f.waitStatus(
      (s) => s.health === 'Healthy' && s.images?.web?.digest === second,
      'healthy again',
      60_000,
    );
    const history = await historyOf();
    expect(history.events.some((e) => e.kind === 'image-update' && e.message.includes('rolled back'))).toBe(
      true,
    );
  }, 400_000);
});
