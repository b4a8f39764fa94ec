import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { WEB_IMAGE } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { swarmConfig, stopSwarmFixture } from '../helpers/swarm-fixture.js';

/**
 * Pinned digests and registry logins on a real two-node Swarm (issues 15 and 18): a private
 * registry (htpasswd) answers on 127.0.0.1 on the host and inside each node's namespace (one
 * storage); the service runs `ref@digest` resolved at deploy time through the manager, and the
 * worker, which never logged in, pulls it with the login sent as X-Registry-Auth.
 */
let lab: SwarmLab;
let registry: TestRegistry;
let f: ProjectFixture;
let digest: string;
let ref: string;
const PASSWORD = `swarm-registry-${Date.now().toString(36)}`;

const stack = () => `
services:
  web:
    image: ${ref}
    deploy:
      replicas: 2
      placement: { preferences: [{ spread: node.labels.spin-lab.tier }] }
      update_config: { parallelism: 1, monitor: 2s, order: stop-first }
      ${LIMITS}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 3s
      retries: 3
    stop_grace_period: 1s
    cap_drop: [ALL]
`;

beforeAll(async () => {
  lab = await startSwarmLab('swdig');
  registry = await startRegistry({ login: { username: 'spin-ci', password: PASSWORD }, netns: lab.netns });
  f = await projectFixture('swdig', {
    project: { policy: 'swarm' },
    config: swarmConfig(lab, { isolation: { placement: ['node.labels.spin-lab.tier'] } }),
  });
  const passwordFile = path.join(f.tmp, 'registry.password');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  await f.writeConfig({
    ...f.config,
    projects: [
      { ...f.config.projects[0], registries: { [registry.host]: { username: 'spin-ci', passwordFile } } },
    ],
  });
  const repository = `lab/${f.project}`;
  digest = await registry.push(WEB_IMAGE, repository, '1');
  ref = `${registry.host}/${repository}:1`;
}, 420_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab, async () => registry?.stop());
}, 180_000);

describe('pinned digests on a Swarm', () => {
  it('every task on both nodes runs the digest resolved at deploy time, pulled with the login', async () => {
    const commit = await f.push({ 'compose.yaml': stack() }, 'private image');
    await f.startDaemon();
    const status = await f.waitStatus(
      (s) => s.appliedCommit === commit && s.health === 'Healthy',
      'deployed from the private registry',
      300_000,
    );
    expect(status.images?.web?.digest).toBe(digest);
    const [service] = await lab.managerDocker.listServices({
      filters: { label: [`spin.project=${f.project}`] },
    });
    const container = (service?.Spec?.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec;
    expect(container?.Image).toBe(`${ref.slice(0, ref.lastIndexOf(':'))}@${digest}`);
    expect(service?.Spec?.Labels?.['spin.image-digest']).toBe(digest);
    expect(service?.Spec?.Labels?.['spin.image']).toBe(ref);

    const tasks = (await lab.managerDocker.listTasks({
      filters: { service: [service?.ID ?? ''], 'desired-state': ['running'] },
    })) as { NodeID: string; Status?: { State?: string; ContainerStatus?: { ContainerID?: string } } }[];
    const running = tasks.filter((t) => t.Status?.State === 'running');
    expect(new Set(running.map((t) => t.NodeID))).toEqual(new Set([lab.managerNodeId, lab.workerNodeId]));
    for (const t of running) {
      const node = t.NodeID === lab.managerNodeId ? lab.managerDocker : lab.workerDocker;
      const info = await node.getContainer(t.Status?.ContainerStatus?.ContainerID ?? '').inspect();
      expect(info.Config.Image).toBe(`${ref.slice(0, ref.lastIndexOf(':'))}@${digest}`);
      const image = await node.getImage(info.Image).inspect();
      expect(image.RepoDigests).toContain(`${ref.slice(0, ref.lastIndexOf(':'))}@${digest}`);
    }
    // The login went to the engine only: not in the service's spec, labels, status or logs.
    const places = [JSON.stringify(service), JSON.stringify(status), f.daemon?.output() ?? ''];
    for (const text of places) expect(text.includes(PASSWORD)).toBe(false);
  }, 420_000);
});
