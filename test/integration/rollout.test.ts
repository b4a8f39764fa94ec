import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countContainerEvents, docker, execIn, listProjectContainers, waitFor } from '../helpers/docker.js';
import { WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * Safe rollouts on the real engine: health-gated start-first updates, rollback of a commit that
 * never becomes healthy (without a retry loop), drift repair, and named volumes that survive it all.
 */
let f: ProjectFixture;
let goodCommit: string;

interface WebOptions {
  image?: string;
  replicas?: number;
  order?: 'start-first' | 'stop-first';
  healthTest?: string;
  title?: string;
}
const stack = (o: WebOptions = {}) => `
services:
  web:
    image: ${o.image ?? WEB_IMAGE}
    environment: { TITLE: "${o.title ?? 'one'}" }
    deploy:
      replicas: ${o.replicas ?? 2}
      update_config: { order: ${o.order ?? 'start-first'}, parallelism: 1, monitor: 15s }
      ${LIMITS}
    healthcheck:
      test: ${o.healthTest ?? '["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]'}
      interval: 1s
      timeout: 5s
      retries: 2
    stop_grace_period: 1s
    volumes: [data:/data]
${HARDENING}
volumes:
  data: {}
`;

const webContainers = async () =>
  (await listProjectContainers(f.project)).filter((c) => c.labels['spin.service'] === 'web');
const readKeptFile = async () =>
  (await execIn(`${f.project}_web_1`, ['cat', '/data/keep.txt'])).stdout.trim();

beforeAll(async () => {
  f = await projectFixture('roll');
  goodCommit = await f.push({ 'compose.yaml': stack() }, 'first');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === goodCommit && s.health === 'Healthy', 'first deploy healthy');
  await execIn(`${f.project}_web_1`, ['sh', '-c', 'echo precious > /data/keep.txt']);
});

afterAll(() => f?.cleanup());

describe('health-gated rollouts', () => {
  it('start-first keeps at least one healthy replica at every moment of an update', async () => {
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const list = await docker().listContainers({
          all: true,
          filters: { label: [`spin.project=${f.project}`, 'spin.service=web'] },
        });
        samples.push(list.filter((c) => c.State === 'running' && c.Status.includes('(healthy)')).length);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    goodCommit = await f.push({ 'compose.yaml': stack({ image: WEB_IMAGE_V2, title: 'two' }) }, 'v2');
    await f.waitStatus((s) => s.appliedCommit === goodCommit && s.health === 'Healthy', 'v2 healthy');
    sampling = false;
    await sampler;
    // Some samples were taken during the update (how many depends on the machine's load).
    expect(samples.length).toBeGreaterThan(2);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(1);
    const containers = await webContainers();
    expect(containers.map((c) => [c.name, c.image, c.labels['spin.commit']])).toEqual([
      [`${f.project}_web_1`, WEB_IMAGE_V2, goodCommit],
      [`${f.project}_web_2`, WEB_IMAGE_V2, goodCommit],
    ]);
    expect(await readKeptFile()).toBe('precious');
  });

  it('rolls back a commit whose containers never become healthy, marks it Degraded and does not retry it', async () => {
    const before = await webContainers();
    const bad = await f.push(
      {
        'compose.yaml': stack({
          image: WEB_IMAGE,
          order: 'stop-first',
          healthTest: '["CMD", "false"]',
          title: 'bad',
        }),
      },
      'never healthy',
    );
    const status = await f.waitStatus(
      (s) => s.failedCommit?.commit === bad,
      'bad commit marked failed',
      60_000,
    );
    expect(status.health).toBe('Degraded');
    expect(status.healthReason).toContain(`commit ${bad.slice(0, 12)} was rolled back`);
    expect(status.healthReason).toMatch(/unhealthy|did not become healthy/);
    expect(status.appliedCommit).toBe(goodCommit);
    expect(status.desiredCommit).toBe(bad);
    // The previous containers are back: same commit, same config hash as before the bad push.
    const rolled = await waitFor(webContainers, {
      until: (list) =>
        list.length === 2 && list.every((c) => c.state === 'running' && c.status.includes('(healthy)')),
      timeoutMs: 30_000,
      description: 'rolled-back replicas healthy',
    });
    expect(rolled.map((c) => c.labels['spin.config-hash'])).toEqual(
      before.map((c) => c.labels['spin.config-hash']),
    );
    expect(rolled.map((c) => c.labels['spin.commit'])).toEqual([goodCommit, goodCommit]);
    expect(await readKeptFile()).toBe('precious');

    // No retry loop: a minute of polls (1 s interval) and resyncs writes nothing to the engine.
    const events = await countContainerEvents(
      f.project,
      () => new Promise((resolve) => setTimeout(resolve, 60_000)),
    );
    expect(events).toEqual([]);
    const still = await f.status();
    expect(still?.failedCommit?.commit).toBe(bad);
  }, 150_000);

  it('tries a newer commit at once after a failed one', async () => {
    goodCommit = await f.push({ 'compose.yaml': stack({ image: WEB_IMAGE, title: 'three' }) }, 'fixed');
    const status = await f.waitStatus(
      (s) => s.appliedCommit === goodCommit && s.health === 'Healthy',
      'fixed commit healthy',
    );
    expect(status.sync).toBe('Synced');
    expect((await webContainers()).map((c) => c.labels['spin.commit'])).toEqual([goodCommit, goodCommit]);
  });
});

describe('drift repair', () => {
  it('starts a container stopped by hand', async () => {
    const before = (await docker().getContainer(`${f.project}_web_1`).inspect()).State.StartedAt;
    await docker().getContainer(`${f.project}_web_1`).stop({ t: 0 });
    await waitFor(() => docker().getContainer(`${f.project}_web_1`).inspect(), {
      until: (info) => info.State.Running && info.State.StartedAt !== before,
      timeoutMs: 15_000,
      description: 'web-1 running again',
    });
  });

  it('recreates a container removed by hand', async () => {
    const old = (await webContainers()).find((c) => c.name === `${f.project}_web_2`);
    await docker().getContainer(`${f.project}_web_2`).remove({ force: true });
    const list = await waitFor(webContainers, {
      until: (l) => l.some((c) => c.name === `${f.project}_web_2` && c.state === 'running'),
      timeoutMs: 15_000,
      description: 'web-2 recreated',
    });
    expect(list.find((c) => c.name === `${f.project}_web_2`)?.id).not.toBe(old?.id);
  });

  it('replaces a container re-created by hand with a different config (its hash no longer matches)', async () => {
    const reference = (await webContainers()).find((c) => c.name === `${f.project}_web_2`);
    await docker().getContainer(`${f.project}_web_1`).remove({ force: true });
    const forged = await docker().createContainer({
      name: `${f.project}_web_1`,
      Image: WEB_IMAGE,
      Labels: {
        'spin.managed': 'true',
        'spin.project': f.project,
        'spin.service': 'web',
        'spin.replica': '1',
        'spin.commit': goodCommit,
        'spin.config-hash': 'changed-by-hand',
      },
    });
    await forged.start();
    const list = await waitFor(webContainers, {
      until: (l) =>
        l.some((c) => c.name === `${f.project}_web_1` && c.id !== forged.id && c.state === 'running'),
      timeoutMs: 30_000,
      description: 'forged web-1 replaced',
    });
    expect(list.find((c) => c.name === `${f.project}_web_1`)?.labels['spin.config-hash']).toBe(
      reference?.labels['spin.config-hash'],
    );
    expect(f.daemon?.logs.some((l) => l.msg === 'drift repaired')).toBe(true);
  });

  it('replaces a container whose limits were changed with docker update (labels unchanged)', async () => {
    const name = `${f.project}_web_2`;
    const before = await docker().getContainer(name).inspect();
    const memory = before.HostConfig.Memory ?? 0;
    expect(memory).toBeGreaterThan(0);
    await docker()
      .getContainer(name)
      .update({ Memory: memory * 2, MemorySwap: -1 });
    const replaced = await waitFor(() => docker().getContainer(name).inspect(), {
      until: (info) => info.Id !== before.Id && info.State.Running,
      timeoutMs: 30_000,
      description: `${name} replaced after docker update`,
    });
    expect(replaced.HostConfig.Memory).toBe(memory);
    expect(replaced.Config.Labels?.['spin.config-hash']).toBe(before.Config.Labels?.['spin.config-hash']);
  });
});

describe('data safety', () => {
  it('keeps the named volume through a scale-down', async () => {
    await f.waitStatus((s) => s.health === 'Healthy' && s.sync === 'Synced', 'healthy again after drift');
    const sha = await f.push({ 'compose.yaml': stack({ replicas: 1, title: 'three' }) }, 'scale down');
    await f.waitStatus((s) => s.appliedCommit === sha && s.health === 'Healthy', 'scaled down');
    expect((await webContainers()).map((c) => c.name)).toEqual([`${f.project}_web_1`]);
    expect(await readKeptFile()).toBe('precious');
    const volume = await docker().getVolume(`${f.project}_data`).inspect();
    expect(volume.Labels).toMatchObject({ 'spin.managed': 'true', 'spin.project': f.project });
  });
});
