import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { swarmConfig, stopSwarmFixture, projectServices } from '../helpers/swarm-fixture.js';

/**
 * The scenario suite on a real two-node Swarm (scripts/swarm-lab.sh), through the real daemon:
 * scale, change one service, prune, a refused commit, drift repair (a service removed by hand, a
 * service scaled by hand) and a crash of the daemon mid-update. The rollback of a failing update
 * is swarm-daemon.test.ts's. Each step names the services whose spec Spin may write and checks
 * that the others' spec versions did not move (Swarm bumps a service's version at every write).
 */
let lab: SwarmLab;
let f: ProjectFixture;

interface Options {
  webReplicas?: number;
  webMark?: string;
  workerMark?: string;
  extra?: boolean;
  privileged?: boolean;
}
const sleeper = (name: string, mark: string, replicas = 1, more = '') => `  ${name}:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}" }
    stop_grace_period: 1s
    deploy:
      replicas: ${replicas}
      update_config: { parallelism: 1, monitor: 2s, order: stop-first }
      ${LIMITS}
    cap_drop: [ALL]
${more}`;
const stack = (o: Options = {}) =>
  [
    'services:',
    sleeper('web', o.webMark ?? 'one', o.webReplicas ?? 1, o.privileged ? '    privileged: true\n' : ''),
    sleeper('worker', o.workerMark ?? 'one'),
    o.extra === false ? '' : sleeper('extra', 'one'),
  ].join('\n');

const services = projectServices;
/** Service name -> spec version: what moves whenever anyone writes the spec. */
const versions = async (d: Docker, project: string) =>
  Object.fromEntries((await services(d, project)).map((s) => [s.Spec?.Name ?? '', s.Version?.Index]));
const serviceOf = async (d: Docker, name: string) =>
  (await d.listServices({ filters: { name: [name] } })).find((s) => s.Spec?.Name === name);
const runningTasks = async (d: Docker, name: string) =>
  (await d.listTasks({ filters: { service: [name], 'desired-state': ['running'] } })).filter(
    (t) => (t as { Status?: { State?: string } }).Status?.State === 'running',
  );

beforeAll(async () => {
  lab = await startSwarmLab('swscen');
  f = await projectFixture('swscen', {
    project: { policy: 'swarm' },
    config: swarmConfig(lab),
  });
}, 360_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab);
}, 180_000);

describe('the scenario suite on a Swarm', () => {
  let applied: string;
  const web = () => `${f.project}_web`;
  const worker = () => `${f.project}_worker`;
  const extra = () => `${f.project}_extra`;

  it('scales a service 1 → 3 → 1, writing only that service', async () => {
    applied = await f.push({ 'compose.yaml': stack() }, 'three services');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.appliedCommit === applied && s.health === 'Healthy',
      'first commit deployed',
      240_000,
    );
    const before = await versions(lab.managerDocker, f.project);
    expect(Object.keys(before)).toEqual([extra(), web(), worker()]);

    for (const replicas of [3, 1]) {
      const scaled = await f.push({ 'compose.yaml': stack({ webReplicas: replicas }) }, `web × ${replicas}`);
      await f.waitStatus(
        (s) => s.appliedCommit === scaled && s.health === 'Healthy',
        `web scaled to ${replicas}`,
        240_000,
      );
      expect((await serviceOf(lab.managerDocker, web()))?.Spec?.Mode?.Replicated?.Replicas).toBe(replicas);
      await waitFor(() => runningTasks(lab.managerDocker, web()), {
        until: (tasks) => tasks.length === replicas,
        timeoutMs: 120_000,
        description: `${replicas} running tasks of web`,
      });
      const after = await versions(lab.managerDocker, f.project);
      expect(after[worker()]).toBe(before[worker()]);
      expect(after[extra()]).toBe(before[extra()]);
      expect(after[web()]).not.toBe(before[web()]);
      applied = scaled;
    }
  }, 600_000);

  it('a change to one service moves only that service’s spec version', async () => {
    const before = await versions(lab.managerDocker, f.project);
    const change = await f.push({ 'compose.yaml': stack({ workerMark: 'two' }) }, 'worker two');
    await f.waitStatus(
      (s) => s.appliedCommit === change && s.health === 'Healthy',
      'worker change deployed',
      240_000,
    );
    const after = await versions(lab.managerDocker, f.project);
    expect(after[worker()]).not.toBe(before[worker()]);
    expect(after[web()]).toBe(before[web()]);
    expect(after[extra()]).toBe(before[extra()]);
    const spec = (await serviceOf(lab.managerDocker, worker()))?.Spec;
    expect(spec?.Labels?.['spin.commit']).toBe(change);
    const env = (spec?.TaskTemplate as { ContainerSpec?: { Env?: string[] } }).ContainerSpec?.Env;
    expect(env).toContain('MARK=two');
    // The services the commit did not change keep the commit that last changed them.
    expect((await serviceOf(lab.managerDocker, web()))?.Spec?.Labels?.['spin.commit']).toBe(applied);
    applied = change;
  }, 300_000);

  it('prunes a service removed from the stack, and only that one', async () => {
    const before = await versions(lab.managerDocker, f.project);
    const pruned = await f.push({ 'compose.yaml': stack({ workerMark: 'two', extra: false }) }, 'no extra');
    const status = await f.waitStatus(
      (s) => s.appliedCommit === pruned && s.health === 'Healthy',
      'extra pruned',
      240_000,
    );
    expect(Object.keys(status.services).sort()).toEqual(['web', 'worker']);
    const after = await versions(lab.managerDocker, f.project);
    expect(Object.keys(after)).toEqual([web(), worker()]);
    expect(after[web()]).toBe(before[web()]);
    expect(after[worker()]).toBe(before[worker()]);
    applied = pruned;
  }, 300_000);

  it('a refused commit changes nothing that runs and says why, located', async () => {
    const before = await versions(lab.managerDocker, f.project);
    const tasksBefore = (await runningTasks(lab.managerDocker, web())).map((t) => t.ID);
    const bad = await f.push(
      { 'compose.yaml': stack({ workerMark: 'three', extra: false, privileged: true }) },
      'privileged web',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === bad, 'privileged commit refused', 120_000);
    expect(status.appliedCommit).toBe(applied);
    expect(status.lastError?.reason).toBe('InvalidCommit');
    // `privileged: true` is line 12 of the stack (the last line of web).
    const found = (status.lastError?.diagnostics ?? []).map((d) => `${d.rule}@${d.line}`);
    expect(found.some((d) => d.endsWith('@12'))).toBe(true);
    expect(status.lastError?.message).toMatch(/privileged/);
    // Not even the worker, whose change in that commit is allowed, was written.
    expect(await versions(lab.managerDocker, f.project)).toEqual(before);
    expect((await runningTasks(lab.managerDocker, web())).map((t) => t.ID)).toEqual(tasksBefore);

    // The same stack as before, in a new commit: nothing to write, the refusal is over.
    const again = await f.push({ 'compose.yaml': stack({ workerMark: 'two', extra: false }) }, 'revert');
    const back = await f.waitStatus(
      (s) => s.appliedCommit === again && s.health === 'Healthy',
      'revert applied',
      120_000,
    );
    expect(back.refusedCommit).toBeUndefined();
    expect(await versions(lab.managerDocker, f.project)).toEqual(before);
    applied = again;
  }, 300_000);

  it('repairs a service removed by hand', async () => {
    const gone = await serviceOf(lab.managerDocker, worker());
    await lab.managerDocker.getService(gone?.ID ?? '').remove();
    const back = await waitFor(() => serviceOf(lab.managerDocker, worker()), {
      until: (s) => s !== undefined && s.ID !== gone?.ID,
      timeoutMs: 120_000,
      description: 'worker created again',
    });
    // Created again from the commit that is applied now.
    expect(back?.Spec?.Labels?.['spin.commit']).toBe(applied);
    await waitFor(() => runningTasks(lab.managerDocker, worker()), {
      until: (tasks) => tasks.length === 1,
      timeoutMs: 120_000,
      description: 'the repaired worker runs',
    });
    await f.waitStatus((s) => s.health === 'Healthy', 'healthy again', 120_000);
  }, 300_000);

  it('repairs a service scaled by hand', async () => {
    const live = await serviceOf(lab.managerDocker, web());
    const spec = live?.Spec as Docker.ServiceSpec;
    // What `docker service scale web=4` sends.
    await lab.managerDocker
      .getService(live?.ID ?? '')
      .update({ ...spec, Mode: { Replicated: { Replicas: 4 } }, _query: { version: live?.Version?.Index } });
    await waitFor(() => serviceOf(lab.managerDocker, web()), {
      until: (s) =>
        (s?.Version?.Index ?? 0) > (live?.Version?.Index ?? 0) + 1 &&
        s?.Spec?.Mode?.Replicated?.Replicas === 1,
      timeoutMs: 120_000,
      description: 'web scaled back to 1 by Spin',
    });
    await waitFor(() => runningTasks(lab.managerDocker, web()), {
      until: (tasks) => tasks.length === 1,
      timeoutMs: 120_000,
      description: 'one web task runs again',
    });
    await f.waitStatus(
      (s) => s.health === 'Healthy' && s.appliedCommit === applied,
      'healthy at the same commit',
      120_000,
    );
  }, 300_000);

  it('converges after the daemon is killed in the middle of an update', async () => {
    const change = await f.push(
      { 'compose.yaml': stack({ webMark: 'crash', workerMark: 'crash', extra: false }) },
      'web and worker change',
    );
    // Killed as soon as the first write of the change reached the engine.
    await waitFor(() => services(lab.managerDocker, f.project), {
      until: (list) => list.some((s) => s.Spec?.Labels?.['spin.commit'] === change),
      timeoutMs: 120_000,
      intervalMs: 100,
      description: 'the update started',
    });
    await f.daemon?.kill();
    await f.startDaemon();
    const status = await f.waitStatus(
      (s) => s.appliedCommit === change && s.health === 'Healthy',
      'the change converged after the restart',
      300_000,
    );
    expect(status.failedCommit).toBeUndefined();
    for (const s of await services(lab.managerDocker, f.project)) {
      expect(s.Spec?.Labels?.['spin.commit']).toBe(change);
      const env = (s.Spec?.TaskTemplate as { ContainerSpec?: { Env?: string[] } }).ContainerSpec?.Env;
      expect(env).toContain('MARK=crash');
    }
    for (const name of [web(), worker()])
      await waitFor(() => runningTasks(lab.managerDocker, name), {
        until: (tasks) => tasks.length === 1,
        timeoutMs: 120_000,
        description: `${name} runs one task`,
      });
  }, 480_000);
});
