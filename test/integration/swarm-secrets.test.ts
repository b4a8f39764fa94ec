import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { swarmConfig, stopSwarmFixture } from '../helpers/swarm-fixture.js';

/**
 * Secrets and configs on a real two-node Swarm (issue 15): they become Swarm secret and config
 * objects `<project>_<key>_<digest prefix>` that the tasks read at their targets on both nodes; a
 * new value (`spin secret set`, no commit) is a new object and a rolling service update; an old
 * revision nothing references goes after retention; the value is in no inspect, label, log or status.
 */
let lab: SwarmLab;
let f: ProjectFixture;
const VALUES = [1, 2, 3].map((n) => `swarm-secret-${n}-${randomBytes(8).toString('hex')}`);

const stack = `
services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    secrets: [{ source: token, mode: 0440 }]
    configs: [{ source: greeting, target: /etc/greeting.conf }]
    deploy:
      replicas: 2
      placement: { preferences: [{ spread: node.labels.spin-lab.tier }] }
      update_config: { parallelism: 1, monitor: 2s, order: stop-first }
      ${LIMITS}
    cap_drop: [ALL]
secrets:
  token: {}
configs:
  greeting: { content: "hello from the config" }
`;

const secretSet = (value: string) =>
  runSpin(['secret', 'set', f.project, 'token', '--config', f.configFile], { input: value });

const secrets = async () =>
  (await lab.managerDocker.listSecrets({ filters: { label: [`spin.project=${f.project}`] } })) as {
    ID: string;
    Spec?: { Name?: string; Labels?: Record<string, string> };
  }[];

const service = async () =>
  (await lab.managerDocker.listServices({ filters: { label: [`spin.project=${f.project}`] } }))[0];

const referencedSecret = (s: Docker.Service | undefined) =>
  (s?.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.Secrets?.[0]?.SecretName;

/** What each running task of the service reads at `path`, by node. */
async function readInTasks(path: string): Promise<string[]> {
  const s = await service();
  const tasks = (await lab.managerDocker.listTasks({
    filters: { service: [s?.ID ?? ''], 'desired-state': ['running'] },
  })) as { NodeID: string; Status?: { State?: string; ContainerStatus?: { ContainerID?: string } } }[];
  const out: string[] = [];
  for (const t of tasks.filter((t) => t.Status?.State === 'running')) {
    const node = t.NodeID === lab.managerNodeId ? lab.managerDocker : lab.workerDocker;
    out.push(
      `${t.NodeID === lab.managerNodeId ? 'manager' : 'worker'}:${await exec(node, t.Status?.ContainerStatus?.ContainerID ?? '', path)}`,
    );
  }
  return out.sort();
}

async function exec(d: Docker, container: string, path: string): Promise<string> {
  const e = await d
    .getContainer(container)
    .exec({ Cmd: ['cat', path], AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const stdout = new PassThrough();
  stdout.on('data', (c: Buffer) => chunks.push(c));
  d.modem.demuxStream(stream, stdout, new PassThrough());
  await new Promise<void>((resolve) => stream.on('end', () => resolve()));
  return Buffer.concat(chunks).toString().trim();
}

beforeAll(async () => {
  lab = await startSwarmLab('swsec');
  f = await projectFixture('swsec', {
    project: { policy: 'swarm' },
    config: swarmConfig(lab, { isolation: { placement: ['node.labels.spin-lab.tier'] } }),
  });
}, 360_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab);
}, 180_000);

describe('secrets and configs on a Swarm', () => {
  let firstName = '';
  it('become Swarm objects that the tasks on both nodes read at their targets', async () => {
    expect((await secretSet(VALUES[0] ?? '')).code).toBe(0);
    const commit = await f.push({ 'compose.yaml': stack }, 'secret and config');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.appliedCommit === commit && s.health === 'Healthy',
      'deployed with secrets',
      240_000,
    );
    const list = await secrets();
    expect(list).toHaveLength(1);
    firstName = list[0]?.Spec?.Name ?? '';
    expect(firstName).toMatch(new RegExp(`^${f.project}_token_[0-9a-f]{12}$`));
    expect(list[0]?.Spec?.Labels).toMatchObject({
      'spin.managed': 'true',
      'spin.project': f.project,
      'com.docker.stack.namespace': f.project,
      'spin.secret': 'token',
    });
    const configs = (await lab.managerDocker.listConfigs({
      filters: { label: [`spin.project=${f.project}`] },
    })) as { Spec?: { Name?: string } }[];
    expect(configs.map((c) => c.Spec?.Name)).toEqual([
      expect.stringMatching(new RegExp(`^${f.project}_greeting_[0-9a-f]{12}$`)),
    ]);
    expect(referencedSecret(await service())).toBe(firstName);
    const reads = await waitFor(() => readInTasks('/run/secrets/token'), {
      until: (r) => r.length === 2,
      timeoutMs: 60_000,
      description: 'two running tasks',
    });
    expect(reads).toEqual([`manager:${VALUES[0]}`, `worker:${VALUES[0]}`]);
    expect(await readInTasks('/etc/greeting.conf')).toEqual([
      'manager:hello from the config',
      'worker:hello from the config',
    ]);
  }, 420_000);

  it('a new value is a new object and a rolling update; the old revision goes after retention', async () => {
    expect((await secretSet(VALUES[1] ?? '')).code).toBe(0);
    const second = await waitFor(service, {
      until: (s) => referencedSecret(s) !== firstName && referencedSecret(s) !== undefined,
      timeoutMs: 120_000,
      description: 'the service references the new revision',
    });
    const secondName = referencedSecret(second) ?? '';
    await waitFor(() => readInTasks('/run/secrets/token'), {
      until: (r) => r.length === 2 && r.every((line) => line.endsWith(VALUES[1] ?? '-')),
      timeoutMs: 180_000,
      description: 'every task reads the second value',
    });
    // The first revision is what Swarm would roll back to: kept.
    expect((await secrets()).map((s) => s.Spec?.Name)).toContain(firstName);

    expect((await secretSet(VALUES[2] ?? '')).code).toBe(0);
    await waitFor(() => readInTasks('/run/secrets/token'), {
      until: (r) => r.length === 2 && r.every((line) => line.endsWith(VALUES[2] ?? '-')),
      timeoutMs: 180_000,
      description: 'every task reads the third value',
    });
    const left = await waitFor(secrets, {
      until: (l) => !l.some((s) => s.Spec?.Name === firstName),
      timeoutMs: 120_000,
      description: 'the first revision removed once nothing references it',
    });
    expect(left.map((s) => s.Spec?.Name)).toContain(secondName);
    expect(left).toHaveLength(2);
    await f.waitStatus((s) => s.health === 'Healthy', 'healthy after the rotations', 120_000);
  }, 480_000);

  it('no value appears in service inspect, object labels, logs or status', async () => {
    const s = await service();
    const places: [string, string][] = [
      ['service inspect', JSON.stringify(await lab.managerDocker.getService(s?.ID ?? '').inspect())],
      ['secret list', JSON.stringify(await secrets())],
      ['status', JSON.stringify(await f.status())],
      ['daemon output', f.daemon?.output() ?? ''],
    ];
    for (const [where, text] of places) {
      expect(text.length, where).toBeGreaterThan(0);
      for (const value of VALUES) expect(text.includes(value), `${where} holds a secret value`).toBe(false);
    }
  }, 60_000);
});
