import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRepo,
  cloneWorkingCopy,
  startGitServer,
  type GitServer,
  type WorkingCopy,
} from '../helpers/git-server.js';
import { docker, listProjectContainers, removeProject, uniqueProject, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE, WEB_IMAGE } from '../helpers/images.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { runSpin, spinJson, startDaemon, writeConfig, type RunningDaemon } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

/**
 * The walking skeleton end to end: a real git smart-HTTP server, the real `spin daemon`, the real
 * Docker engine. Steps run in order and build on each other, as a researcher's pushes would.
 */
const project = uniqueProject('skel');
const other = uniqueProject('other');
let tmp: string;
let server: GitServer;
let repo: WorkingCopy;
let configFile: string;
let daemon: RunningDaemon;
const foreign: string[] = [];

const stack = (web: { replicas: number; greeting?: string }, worker?: { command: string }) => `
services:
  web:
    image: ${WEB_IMAGE}
    deploy:
      replicas: ${web.replicas}
      resources: { limits: { memory: 32m, cpus: "0.2" } }
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    environment:
      GREETING: "\${GREETING}"
      TAGGED: "v\${TAG:-0}"
      LITERAL: "$$HOME"
    stop_grace_period: 1s
${
  worker
    ? `  worker:
    image: ${BUSYBOX_IMAGE}
    command: ${worker.command}
    stop_grace_period: 1s
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
`
    : ''
}`;

const statusOf = async () =>
  (await spinJson<ProjectStatus[]>(['status', '--config', configFile])).find((s) => s.project === project);
const ids = async () => Object.fromEntries((await listProjectContainers(project)).map((c) => [c.name, c.id]));

async function pushAndConverge(content: string, message: string): Promise<string> {
  await repo.writeFiles({ 'compose.yaml': content });
  const sha = await repo.commitAll(message);
  await repo.push();
  await waitFor(statusOf, {
    until: (s) => s?.desiredCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
    timeoutMs: 30_000,
    description: `project converged on ${sha}`,
  });
  return sha;
}

beforeAll(async () => {
  tmp = await makeTempDir('skeleton');
  server = await startGitServer(path.join(tmp, 'git'));
  await createRepo(path.join(tmp, 'git'), project);
  repo = await cloneWorkingCopy(server.repoUrl(project), path.join(tmp, 'work'));
  configFile = await writeConfig(path.join(tmp, 'spin.yaml'), {
    stateDir: path.join(tmp, 'state'),
    pollInterval: '500ms',
    projects: [
      { name: project, repo: server.repoUrl(project), env: { GREETING: 'hello from env', TAG: '7' } },
    ],
  });
  // Things Spin must never touch: an unlabelled container and one of another project, both
  // named as if they belonged to this stack's services.
  const unlabelled = await docker().createContainer({
    name: `${project}_stray_1`,
    Image: BUSYBOX_IMAGE,
    Cmd: ['sleep', '3600'],
  });
  await unlabelled.start();
  const otherProject = await docker().createContainer({
    name: `${other}_web_1`,
    Image: BUSYBOX_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { 'spin.managed': 'true', 'spin.project': other, 'spin.service': 'web', 'spin.replica': '1' },
  });
  await otherProject.start();
  foreign.push(unlabelled.id, otherProject.id);
  await repo.writeFiles({ 'compose.yaml': stack({ replicas: 2 }, { command: 'sleep 3600' }) });
  await repo.commitAll('first deploy');
  await repo.push();
  daemon = await startDaemon(configFile);
});

afterAll(async () => {
  await daemon?.stop();
  for (const id of foreign)
    await docker()
      .getContainer(id)
      .remove({ force: true })
      .catch(() => {});
  await removeProject(project);
  await removeProject(other);
  await server?.stop();
  await removeTempDir(tmp);
});

describe('a pushed stack converges on the engine', () => {
  it('runs every container with the contract names, labels and the interpolated environment', async () => {
    const head = await repo.head();
    const status = await waitFor(statusOf, {
      until: (s) => s?.sync === 'Synced' && s.health === 'Healthy',
      timeoutMs: 30_000,
    });
    expect(status?.appliedCommit).toBe(head);
    const containers = await listProjectContainers(project);
    expect(containers.map((c) => c.name)).toEqual([
      `${project}_web_1`,
      `${project}_web_2`,
      `${project}_worker_1`,
    ]);
    for (const c of containers) {
      expect(c.state).toBe('running');
      expect(c.labels['spin.managed']).toBe('true');
      expect(c.labels['spin.project']).toBe(project);
      expect(c.labels['spin.commit']).toBe(head);
      expect(c.labels['spin.config-hash']).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(containers.map((c) => [c.labels['spin.service'], c.labels['spin.replica']])).toEqual([
      ['web', '1'],
      ['web', '2'],
      ['worker', '1'],
    ]);
    const env = (await docker().getContainer(`${project}_web_1`).inspect()).Config.Env;
    expect(env).toEqual(expect.arrayContaining(['GREETING=hello from env', 'TAGGED=v7', 'LITERAL=$HOME']));
    const network = await docker().getNetwork(`${project}_default`).inspect();
    expect(network.Labels).toMatchObject({ 'spin.managed': 'true', 'spin.project': project });
  });

  it('recreates only the containers of the service that changed', async () => {
    const before = await ids();
    await pushAndConverge(stack({ replicas: 2 }, { command: 'sleep 3601' }), 'change worker');
    const after = await ids();
    expect(after[`${project}_web_1`]).toBe(before[`${project}_web_1`]);
    expect(after[`${project}_web_2`]).toBe(before[`${project}_web_2`]);
    expect(after[`${project}_worker_1`]).toBeDefined();
    expect(after[`${project}_worker_1`]).not.toBe(before[`${project}_worker_1`]);
  });

  it('scales down from the highest replica and removes a service that left the stack', async () => {
    const before = await ids();
    await pushAndConverge(stack({ replicas: 1 }), 'scale down, drop worker');
    const after = await ids();
    expect(Object.keys(after)).toEqual([`${project}_web_1`]);
    expect(after[`${project}_web_1`]).toBe(before[`${project}_web_1`]);
  });

  it('refuses a broken commit without touching what runs, and says why in spin status', async () => {
    const before = await listProjectContainers(project);
    await repo.writeFiles({ 'compose.yaml': 'services:\n  web:\n    image: [unclosed\n' });
    const bad = await repo.commitAll('broken yaml');
    await repo.push();
    const status = await waitFor(statusOf, { until: (s) => s?.refusedCommit === bad, timeoutMs: 20_000 });
    expect(status?.sync).toBe('OutOfSync');
    expect(status?.desiredCommit).toBe(bad);
    expect(status?.appliedCommit).not.toBe(bad);
    expect(status?.lastError?.reason).toBe('InvalidCommit');
    expect(status?.lastError?.message).toMatch(/^compose\.yaml:\d+:\d+: yaml\./);
    expect(status?.health).toBe('Healthy');
    const after = await listProjectContainers(project);
    expect(after.map((c) => [c.id, c.state])).toEqual(before.map((c) => [c.id, c.state]));

    // A required variable that is missing is refused the same way, with its location.
    await repo.writeFiles({
      'compose.yaml': `services:\n  web:\n    image: \${IMAGE:?set IMAGE in the project env}\n`,
    });
    const missing = await repo.commitAll('missing variable');
    await repo.push();
    const refused = await waitFor(statusOf, {
      until: (s) => s?.refusedCommit === missing,
      timeoutMs: 20_000,
    });
    expect(refused?.lastError?.message).toContain('compose.yaml:3:12: interpolate.required');
    expect((await listProjectContainers(project)).map((c) => c.id)).toEqual(before.map((c) => c.id));

    const human = await runSpin(['status', '--config', configFile]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(project);
    expect(human.stdout).toContain('InvalidCommit');
  });

  it('never touches unlabelled containers or those of another project', async () => {
    for (const id of foreign) {
      const info = await docker().getContainer(id).inspect();
      expect(info.State.Running).toBe(true);
      expect(info.RestartCount).toBe(0);
    }
    expect((await listProjectContainers(other)).map((c) => c.state)).toEqual(['running']);
  });

  it('restarting the daemon on a converged stack recreates and restarts nothing', async () => {
    await pushAndConverge(stack({ replicas: 2 }, { command: 'sleep 3600' }), 'back to good');
    const snapshot = async () =>
      Promise.all(
        (await listProjectContainers(project)).map(async (c) => {
          const info = await docker().getContainer(c.id).inspect();
          return { id: c.id, startedAt: info.State.StartedAt };
        }),
      );
    const before = await snapshot();
    expect(await daemon.stop()).toBe(0);
    // Stopping the daemon leaves the containers running.
    expect((await listProjectContainers(project)).every((c) => c.state === 'running')).toBe(true);
    daemon = await startDaemon(configFile);
    const restartedAt = new Date().toISOString();
    await waitFor(statusOf, {
      until: (s) => (s?.lastReconcile ?? '') > restartedAt && s?.sync === 'Synced',
      timeoutMs: 20_000,
    });
    // Let a few more passes run: none of them may write to the engine.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await snapshot()).toEqual(before);
    const actionsAfterRestart = daemon.logs.filter((l) => l.msg === 'action done');
    expect(actionsAfterRestart).toEqual([]);
  });

  it('spin plan shows what the daemon would do, and changes nothing', async () => {
    expect(await daemon.stop()).toBe(0);
    const before = await ids();
    await repo.writeFiles({ 'compose.yaml': stack({ replicas: 3 }, { command: 'sleep 3602' }) });
    const sha = await repo.commitAll('plan me');
    await repo.push();
    // Changed behind Spin's back, labels untouched: only an inspect shows it, and plan does one.
    const web1 = docker().getContainer(`${project}_web_1`);
    const memory = (await web1.inspect()).HostConfig.Memory ?? 0;
    expect(memory).toBeGreaterThan(0);
    await web1.update({ Memory: memory * 2, MemorySwap: -1 });
    const plan = await spinJson<{
      commit: string;
      valid: boolean;
      actions: { kind: string; name?: string }[];
    }>(['plan', '--config', configFile, project]);
    expect(plan.commit).toBe(sha);
    expect(plan.valid).toBe(true);
    expect(plan.actions.map((a) => `${a.kind} ${a.name}`)).toEqual([
      `recreate ${project}_web_1`,
      `create ${project}_web_3`,
      `recreate ${project}_worker_1`,
    ]);
    const human = await runSpin(['plan', '--config', configFile, project]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('+1 created, 2 recreated, 0 started, 0 removed');
    expect(await ids()).toEqual(before);
    daemon = await startDaemon(configFile);
  });
});
