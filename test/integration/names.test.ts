/**
 * Container names cannot collide across projects (issue #12 item 4), on the real engine and the
 * real daemon: project P with service `x-app` and project `P-x` with service `app` gave the same
 * `P-x-app-1` under the old scheme; now both deploy side by side. And a container an older Spin
 * named the old way is renamed in place (same id, never restarted), not recreated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers, removeProject, requireDocker, waitFor } from '../helpers/docker.js';
import {
  projectFixture,
  sleeperStack,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';

let f: ProjectFixture;
let other: ExtraRepo;
const second = () => `${f.project}-x`;
const healthy = (s: { sync: string; health: string }) => s.sync === 'Synced' && s.health === 'Healthy';

beforeAll(async () => {
  await requireDocker();
  f = await projectFixture('names');
  other = await f.addRepo('names-b');
  await f.push({ 'compose.yaml': sleeperStack(['x-app']) }, 'service x-app');
  await other.push({ 'compose.yaml': sleeperStack(['app']) }, 'service app');
  await f.writeConfig({
    ...f.config,
    projects: [...f.config.projects, { name: second(), repo: other.repoUrl }],
  });
  await f.startDaemon();
}, 60_000);

afterAll(async () => {
  await f?.cleanup();
  if (f) await removeProject(second());
});

describe('container names', () => {
  it('project P (service x-app) and project P-x (service app) deploy side by side', async () => {
    await f.waitStatus(healthy, 'first project healthy', 60_000);
    await f.waitStatusOf(second(), healthy, 'second project healthy', 60_000);
    const mine = await listProjectContainers(f.project);
    const theirs = await listProjectContainers(second());
    expect(mine.map((c) => [c.name, c.state, c.labels['spin.service']])).toEqual([
      [`${f.project}_x-app_1`, 'running', 'x-app'],
    ]);
    expect(theirs.map((c) => [c.name, c.state, c.labels['spin.service']])).toEqual([
      [`${second()}_app_1`, 'running', 'app'],
    ]);
  });

  it('a correct container under the old name is renamed in place: same id, still running', async () => {
    const current = `${f.project}_x-app_1`;
    const legacy = `${f.project}-x-app-1`; // what an older Spin named it
    const before = await docker().getContainer(current).inspect();
    await f.daemon?.stop();
    await docker().getContainer(before.Id).rename({ name: legacy });
    await f.startDaemon();
    const after = await waitFor(() => docker().getContainer(before.Id).inspect(), {
      until: (info) => info.Name === `/${current}`,
      timeoutMs: 60_000,
      description: 'the old-named container renamed back by the daemon',
    });
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    // The action's log line is written once the engine call returns: the rename can be seen a
    // moment before it (seen in CI), so wait for the line rather than read it once.
    const renamed = await waitFor(
      () =>
        f.daemon?.logs.some((l) => String(l.action).startsWith(`rename container ${legacy} to ${current}`)),
      { timeoutMs: 30_000, description: 'the rename logged as an action' },
    );
    expect(renamed).toBe(true);
    expect((await listProjectContainers(f.project)).map((c) => c.id)).toEqual([before.Id]);
  });
});
