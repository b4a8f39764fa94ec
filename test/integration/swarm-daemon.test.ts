import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE, WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { swarmConfig, stopSwarmFixture, projectServices } from '../helpers/swarm-fixture.js';

/**
 * The daemon end to end on a real two-node Swarm (scripts/swarm-lab.sh): an engine of `kind: swarm`
 * deploys a stack as Swarm services, a change updates only the service that changed, and an
 * update whose healthcheck never passes is reported failed (Swarm rolls it back) while the last
 * healthy commit keeps running.
 */
let lab: SwarmLab;
let f: ProjectFixture;

interface Options {
  webImage?: string;
  title?: string;
  healthPath?: string;
}
const stack = (o: Options = {}) => `
services:
  web:
    image: ${o.webImage ?? WEB_IMAGE}
    environment: { TITLE: "${o.title ?? 'one'}" }
    deploy:
      replicas: 2
      update_config: { parallelism: 1, monitor: 4s, failure_action: rollback, order: stop-first }
      ${LIMITS}
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080${o.healthPath ?? '/healthz'}"]
      interval: 1s
      timeout: 3s
      retries: 2
    stop_grace_period: 1s
    cap_drop: [ALL]
  worker:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
    cap_drop: [ALL]
`;

const services = projectServices;

beforeAll(async () => {
  lab = await startSwarmLab('swd');
  f = await projectFixture('swarmd', {
    project: { policy: 'swarm' },
    config: swarmConfig(lab),
  });
}, 360_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab);
}, 180_000);

describe('the daemon on a Swarm', () => {
  let first: string;
  it('deploys a stack as one Swarm service per compose service, labelled for docker stack', async () => {
    first = await f.push({ 'compose.yaml': stack() }, 'first');
    await f.startDaemon();
    const status = await f.waitStatus(
      (s) => s.appliedCommit === first && s.health === 'Healthy',
      'first commit deployed and healthy',
      180_000,
    );
    expect(Object.keys(status.services).sort()).toEqual(['web', 'worker']);
    const list = await services(lab.managerDocker, f.project);
    expect(list.map((s) => s.Spec?.Name)).toEqual([`${f.project}_web`, `${f.project}_worker`]);
    for (const s of list) {
      expect(s.Spec?.Labels?.['com.docker.stack.namespace']).toBe(f.project);
      expect(s.Spec?.Labels?.['spin.commit']).toBe(first);
    }
    expect(list[0]?.Spec?.Mode?.Replicated?.Replicas).toBe(2);
  }, 240_000);

  it('a change to one service updates only that service', async () => {
    const before = await services(lab.managerDocker, f.project);
    const workerVersion = before[1]?.Version?.Index;
    const change = await f.push({ 'compose.yaml': stack({ webImage: WEB_IMAGE_V2, title: 'two' }) }, 'v2');
    await f.waitStatus((s) => s.appliedCommit === change && s.health === 'Healthy', 'v2 deployed', 180_000);
    const after = await services(lab.managerDocker, f.project);
    const webSpec = after[0]?.Spec?.TaskTemplate as { ContainerSpec?: { Image?: string; Env?: string[] } };
    expect(webSpec.ContainerSpec?.Image).toBe(WEB_IMAGE_V2);
    expect(webSpec.ContainerSpec?.Env).toContain('TITLE=two');
    // The worker's spec was not written at all (its version moves with every update).
    expect(after[1]?.Version?.Index).toBe(workerVersion);
    first = change;
  }, 240_000);

  it('an update whose healthcheck never passes is reported failed and the last healthy commit runs', async () => {
    const bad = await f.push(
      { 'compose.yaml': stack({ title: 'broken', healthPath: '/missing' }) },
      'bad health',
    );
    const status = await f.waitStatus(
      (s) => s.failedCommit?.commit === bad,
      'the failing update reported as failed',
      240_000,
    );
    expect(status.appliedCommit).not.toBe(bad);
    // Swarm's own verdict (failure_action: rollback), with the task errors.
    expect(status.failedCommit?.reason).toMatch(/rollback (started|completed)/i);
    expect(status.failedCommit?.reason).toMatch(/unhealthy|non-zero exit|task/);
    // Swarm rolled the web service back to the last healthy spec, and Spin holds it there.
    // As on Docker: the project says Degraded (its head was rolled back) while every service runs
    // the last healthy commit's spec.
    const healthy = await f.waitStatus(
      (s) => s.appliedCommit === first && s.services.web?.health === 'Healthy',
      'the last healthy commit runs',
      180_000,
    );
    expect(healthy.failedCommit?.commit).toBe(bad);
    expect(healthy.healthReason).toMatch(/rolled back/);
    const web = await waitFor(async () => (await services(lab.managerDocker, f.project))[0], {
      until: (s) => s?.Spec?.Labels?.['spin.commit'] === first,
      timeoutMs: 60_000,
      description: 'web runs the last healthy commit',
    });
    const env = (web?.Spec?.TaskTemplate as { ContainerSpec?: { Env?: string[] } }).ContainerSpec?.Env;
    expect(env).toContain('TITLE=two');
    // The rolled-back spec is not sent again: the engine forgets it (no PreviousSpec), and a pass
    // that took that for "not deployed yet" re-sent it in a loop. Passes run every second here.
    const settled = await waitFor(async () => (await services(lab.managerDocker, f.project))[0], {
      until: (s) => s?.UpdateStatus?.State === 'rollback_completed',
      timeoutMs: 120_000,
      description: 'the rollback completed',
    });
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const later = (await services(lab.managerDocker, f.project))[0];
    expect(later?.Version?.Index).toBe(settled?.Version?.Index);
    expect(later?.UpdateStatus?.State).toBe('rollback_completed');
  }, 480_000);
});
