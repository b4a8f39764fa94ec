/**
 * An image's own HEALTHCHECK with a long interval, on a service whose stack sets no healthcheck,
 * on the real engine and the real daemon: the engine says `starting` until the check's first
 * verdict (8 s here), past the service's default `monitor` window (5 s). The rollout waits for
 * that verdict instead of failing the commit as "did not become healthy within 5s" (seen at load
 * in CI with a 1 s check; an image's `--interval=30s` fails that way on any machine).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers, requireDocker } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

const run = promisify(execFile);
const DOCKER = '/usr/bin/docker';
const IMAGE = `spin-test/slow-check:${randomBytes(4).toString('hex')}`;
let f: ProjectFixture;

const stack = `services:
  app:
    image: ${IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${HARDENING}`;

beforeAll(async () => {
  await requireDocker();
  const { stdout } = await run(DOCKER, ['create', BUSYBOX_IMAGE, 'true']);
  const id = stdout.trim();
  await run(DOCKER, [
    'commit',
    '--change',
    'HEALTHCHECK --interval=8s --timeout=2s --retries=1 CMD true',
    id,
    IMAGE,
  ]);
  await run(DOCKER, ['rm', id]);
  f = await projectFixture('slowchk');
  await f.push({ 'compose.yaml': stack }, 'slow image check');
  await f.startDaemon();
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
  await run(DOCKER, ['image', 'rm', IMAGE]).catch(() => {});
});

describe("an image's own slow HEALTHCHECK", () => {
  it('is waited for past the monitor window: the first commit deploys Healthy, never failed', async () => {
    const s = await f.waitStatus(
      (s) => (s.sync === 'Synced' && s.health === 'Healthy') || s.failedCommit !== undefined,
      'deployed or failed',
      120_000,
    );
    expect(s.failedCommit).toBeUndefined();
    expect(s).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    const [c] = await listProjectContainers(f.project);
    const info = await docker()
      .getContainer(c?.id ?? 'none')
      .inspect();
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.Config.Healthcheck?.Interval).toBe(8_000_000_000);
  });
});
