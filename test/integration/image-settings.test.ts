/**
 * Settings an image brings that the stack never shows (issue #12 item 10), on the real engine and
 * the real daemon, with an image made here by `docker commit --change`:
 * - `VOLUME /data` makes an anonymous, unlabelled volume at each create: it goes with its
 *   container at a recreate, while the stack's named volume stays;
 * - `HEALTHCHECK --interval=1ms` is sent back with its interval raised to the policy's
 *   `resources.minHealthcheckInterval` (default 1s).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers, requireDocker, waitFor } from '../helpers/docker.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';

const run = promisify(execFile);
const DOCKER = '/usr/bin/docker';
const IMAGE = `spin-test/image-settings:${randomBytes(4).toString('hex')}`;
let f: ProjectFixture;

const stack = (mark: string) => `services:
  app:
    image: ${IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    volumes: [keep:/keep]
    deploy: { ${LIMITS} }
${HARDENING}volumes:
  keep: {}
`;

const appContainer = async () => {
  const [c] = await listProjectContainers(f.project);
  return docker()
    .getContainer(c?.id ?? 'none')
    .inspect();
};
const volumeExists = async (name: string) =>
  docker()
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      (err: { statusCode?: number }) => {
        if (err.statusCode === 404) return false;
        throw err;
      },
    );

beforeAll(async () => {
  await requireDocker();
  const { stdout } = await run(DOCKER, ['create', BUSYBOX_IMAGE, 'true']);
  const id = stdout.trim();
  await run(DOCKER, [
    'commit',
    '--change',
    'VOLUME /data',
    '--change',
    'HEALTHCHECK --interval=1ms --timeout=1s --start-period=48h --retries=100000 CMD true',
    id,
    IMAGE,
  ]);
  await run(DOCKER, ['rm', id]);
  f = await projectFixture('imgcfg');
  await f.push({ 'compose.yaml': stack('one') }, 'one');
  await f.startDaemon();
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
  await run(DOCKER, ['image', 'rm', IMAGE]).catch(() => {});
});

describe("an image's own settings", () => {
  it("runs the image's 1 ms HEALTHCHECK only within the policy: interval raised, start period and retries lowered", async () => {
    await f.waitStatus((s) => s.sync === 'Synced' && s.health === 'Healthy', 'deployed', 60_000);
    const info = await appContainer();
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD-SHELL', 'true']);
    expect(info.Config.Healthcheck?.Interval).toBe(1_000_000_000);
    expect(info.Config.Healthcheck?.StartPeriod).toBe(600_000_000_000);
    expect(info.Config.Healthcheck?.Retries).toBe(100);
    expect(info.Config.Healthcheck?.Timeout).toBe(1_000_000_000);
  });

  it('removes the anonymous VOLUME with its container at a recreate, and keeps the named volume', async () => {
    const before = await appContainer();
    const anonymous = before.Mounts.find((m) => m.Destination === '/data')?.Name ?? '';
    const named = before.Mounts.find((m) => m.Destination === '/keep')?.Name ?? '';
    expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
    expect(named).toBe(`${f.project}_keep`);
    expect(await volumeExists(anonymous)).toBe(true);

    await f.push({ 'compose.yaml': stack('two') }, 'two');
    const after = await waitFor(appContainer, {
      until: (info) => info.Id !== before.Id && info.State.Running,
      timeoutMs: 60_000,
      description: 'app recreated',
    });
    expect(after.Mounts.find((m) => m.Destination === '/data')?.Name).not.toBe(anonymous);
    expect(await volumeExists(anonymous)).toBe(false);
    expect(await volumeExists(named)).toBe(true);
  });
});
