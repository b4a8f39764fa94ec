import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { projectHistory } from '../helpers/api-client.js';
import { waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE, WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { swarmConfig, stopSwarmFixture } from '../helpers/swarm-fixture.js';

/**
 * Image updates without a commit on a real two-node Swarm (issue 18): a service that follows its
 * tag (`x-spin: { imageUpdates: digest }`) moves, by Swarm's own rolling update, to the digest
 * the tag names now, on both nodes, without holding the pass that sent it (a later pass judges
 * it); a broken new image fails Swarm's health-gated update and the service ends on the digest it
 * ran, with ImageUpdateFailed naming both digests.
 */
let lab: SwarmLab;
let registry: TestRegistry;
let f: ProjectFixture;
let ref: string;
let repoName: string;
let first: string;
let second: string;

const stack = () => `
services:
  web:
    image: ${ref}
    deploy:
      replicas: 2
      placement: { preferences: [{ spread: node.labels.spin-lab.tier }] }
      update_config: { parallelism: 1, monitor: 3s, order: stop-first, failure_action: rollback }
      ${LIMITS}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 3s
      retries: 3
    stop_grace_period: 1s
    cap_drop: [ALL]
    x-spin: { imageUpdates: digest }
`;

interface RawTask {
  NodeID: string;
  DesiredState?: string;
  Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
}

const webService = async (): Promise<Docker.Service | undefined> =>
  (await lab.managerDocker.listServices({ filters: { label: [`spin.project=${f.project}`] } }))[0];

/**
 * The service's spec names `repo@digest`, and its two running tasks, one on each node, run
 * containers created from it whose image the node pulled under that digest.
 */
async function allRun(digest: string): Promise<boolean> {
  const pinned = `${repoName}@${digest}`;
  const service = await webService();
  const spec = (service?.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec;
  if (spec?.Image !== pinned || service?.Spec?.Labels?.['spin.image-digest'] !== digest) return false;
  const tasks = (await lab.managerDocker.listTasks({
    filters: { service: [service.ID], 'desired-state': ['running'] },
  })) as RawTask[];
  const running = tasks.filter((t) => t.Status?.State === 'running');
  if (running.length !== 2 || tasks.length !== 2) return false;
  if (new Set(running.map((t) => t.NodeID)).size !== 2) return false;
  for (const t of running) {
    const node = t.NodeID === lab.managerNodeId ? lab.managerDocker : lab.workerDocker;
    const info = await node.getContainer(t.Status?.ContainerStatus?.ContainerID ?? '').inspect();
    if (info.Config.Image !== pinned) return false;
    const image = await node.getImage(info.Image).inspect();
    if (!image.RepoDigests.includes(pinned)) return false;
  }
  return true;
}

const historyOf = () => projectHistory(f.daemon?.apiUrl ?? '', f.project);

beforeAll(async () => {
  lab = await startSwarmLab('swupd');
  registry = await startRegistry({ netns: lab.netns });
  f = await projectFixture('swupd', {
    project: { policy: 'swarm' },
    config: {
      ...swarmConfig(lab, { isolation: { placement: ['node.labels.spin-lab.tier'] } }),
      imageUpdateSchedule: '*/2 * * * * *',
    },
  });
  const repository = `lab/${f.project}`;
  repoName = `${registry.host}/${repository}`;
  ref = `${repoName}:1`;
  first = await registry.push(WEB_IMAGE, repository, '1');
}, 420_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab, async () => registry?.stop());
}, 180_000);

describe('image updates on a Swarm', () => {
  it('deploys the digest the followed tag names', async () => {
    const commit = await f.push({ 'compose.yaml': stack() }, 'follow the tag');
    await f.startDaemon();
    const status = await f.waitStatus(
      (s) => s.appliedCommit === commit && s.health === 'Healthy',
      'deployed',
      300_000,
    );
    expect(status.images?.web?.digest).toBe(first);
    await waitFor(() => allRun(first), { timeoutMs: 120_000, description: 'both nodes on the first digest' });
  }, 420_000);

  it('moves every task on both nodes to the digest the tag moved to, and records both', async () => {
    second = await registry.push(WEB_IMAGE_V2, `lab/${f.project}`, '1');
    expect(second).not.toBe(first);
    // The pass that sends the update does not wait for Swarm's rollout: it ends with the update
    // in flight (kept in the status), and a later pass judges it.
    const during = await f.waitStatus(
      (s) => s.imageUpdates?.inFlight?.some((u) => u.service === 'web' && u.to === second) === true,
      'the update in flight between passes',
      300_000,
    );
    expect(during.imageUpdates?.inFlight?.[0]?.from).toBe(first);
    await waitFor(() => allRun(second), {
      timeoutMs: 300_000,
      description: 'both tasks on the new digest',
    });
    const s = await f.waitStatus(
      (s) => s.images?.web?.digest === second && s.health === 'Healthy' && s.lastError === undefined,
      'status shows the new digest',
      120_000,
    );
    expect(s.images?.web?.ref).toBe(ref);
    const history = await historyOf();
    const update = history.events.find((e) => e.kind === 'image-update');
    expect(update?.message).toContain(`${first} -> ${second} rolled out`);
    expect((await f.status())?.imageUpdates?.inFlight).toBeUndefined();
  }, 420_000);

  it('ends a broken new image back on the digest that ran, with ImageUpdateFailed', async () => {
    // busybox serves nothing on 8080: Swarm's update fails its health gate on the first task.
    const broken = await registry.push(BUSYBOX_IMAGE, `lab/${f.project}`, '1');
    const s = await f.waitStatus(
      (s) => s.lastError?.reason === 'ImageUpdateFailed',
      'image update failed',
      300_000,
    );
    expect(s.lastError?.message).toContain(second.slice(0, 19));
    expect(s.lastError?.message).toContain(broken.slice(0, 19));
    // Swarm's own verdict (its health-gated update rolled back), not Spin's deadline.
    expect(s.lastError?.message).toMatch(/rollback|paused|keep failing/);
    expect(s.lastError?.message).not.toMatch(/not done after/);
    await waitFor(() => allRun(second), { timeoutMs: 300_000, description: 'back on the old digest' });
    await f.waitStatus(
      (s) => s.health === 'Healthy' && s.images?.web?.digest === second,
      'healthy on the old digest',
      120_000,
    );
    // Later update checks find the same broken digest and leave the service alone.
    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    const seen = daemon.logs.filter((l) => l.msg === 'reconcile pass').length;
    await waitFor(() => daemon.logs.filter((l) => l.msg === 'reconcile pass').length, {
      until: (n) => n >= seen + 3,
      timeoutMs: 120_000,
      description: 'three more passes',
    });
    expect(await allRun(second)).toBe(true);
    expect((await f.status())?.lastError?.reason).toBe('ImageUpdateFailed');
    const history = await historyOf();
    expect(
      history.events.some(
        (e) => e.kind === 'image-update' && e.message.includes(broken) && e.message.includes('rolled back'),
      ),
    ).toBe(true);
  }, 700_000);
});
