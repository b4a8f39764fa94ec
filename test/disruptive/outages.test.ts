import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers, waitFor } from '../helpers/docker.js';
import { startGitServer } from '../helpers/git-server.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * Outages of the parts around Spin: the Docker engine restarted under a running daemon, and the
 * git server going away and coming back. These restart shared services, so they run on their
 * own after the main suite (vitest.disruptive.config.ts), never beside other tests.
 */
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
let f: ProjectFixture;
let head: string;

const stack = `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    deploy: { replicas: 2, resources: { limits: { memory: 16m, cpus: "0.1" } } }
${HARDENING}`;

const engineAnswers = () =>
  docker()
    .ping()
    .then(() => true)
    .catch(() => false);

beforeAll(async () => {
  f = await projectFixture('outage', { pollInterval: '1s' });
  head = await f.push({ 'compose.yaml': stack }, 'deploy');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === head && s.health === 'Healthy', 'deployed');
});
afterAll(() => f?.cleanup());

describe('outages', () => {
  it('survives a Docker engine restart: reconnects, resyncs and restarts the stack', async () => {
    await run('pkill', ['-TERM', '-x', 'dockerd']);
    await waitFor(engineAnswers, { until: (up) => !up, timeoutMs: 30_000, description: 'engine down' });
    const down = await f.waitStatus(
      (s) => s.lastError?.reason === 'EngineUnavailable',
      'daemon sees the engine down',
    );
    expect(down.sync).toBe('Unknown');
    await run('bash', [path.join(ROOT, 'scripts/start-dockerd.sh')]);
    await f.waitStatus(
      (s) => s.sync === 'Synced' && s.health === 'Healthy' && !s.lastError,
      'recovered',
      60_000,
    );
    const containers = await listProjectContainers(f.project);
    expect(containers.map((c) => [c.name, c.state])).toEqual([
      [`${f.project}_app_1`, 'running'],
      [`${f.project}_app_2`, 'running'],
    ]);
  }, 120_000);

  it('keeps the stack running while the git server is down, says so, and recovers', async () => {
    const before = (await listProjectContainers(f.project)).map((c) => c.id);
    const port = f.server.port;
    await f.server.stop();
    const down = await f.waitStatus((s) => s.lastError?.reason === 'SourceUnavailable', 'source unavailable');
    expect(down.sync).toBe('Unknown');
    expect(down.health).toBe('Healthy');
    expect(down.lastError?.message).toMatch(/unreachable/);
    expect((await listProjectContainers(f.project)).map((c) => c.id)).toEqual(before);

    f.server = await startGitServer(path.join(f.tmp, 'git'), { port });
    const back = await f.waitStatus((s) => s.sync === 'Synced' && !s.lastError, 'source back');
    expect(back.appliedCommit).toBe(head);
    expect((await listProjectContainers(f.project)).map((c) => c.id)).toEqual(before);
  }, 90_000);
});
