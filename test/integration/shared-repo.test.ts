import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, removeProject } from '../helpers/docker.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * Two projects deploying from one repository (two folders, as a monorepo of stacks would): each
 * round asks the git server for that repository's refs once, not once per project, and both
 * projects still follow their own folder.
 */
let f: ProjectFixture;
let second: string;

const advertisements = () =>
  f.server.requests.filter((r) => r.method === 'GET' && r.path.includes('/info/refs?service=git-upload-pack'))
    .length;

beforeAll(async () => {
  f = await projectFixture('shared', { project: { path: 'alpha' } });
  second = `${f.project}-beta`;
  await f.writeConfig({
    ...f.config,
    projects: [...f.config.projects, { name: second, repo: f.server.repoUrl(f.project), path: 'beta' }],
  });
  await f.push(
    { 'alpha/compose.yaml': sleeperStack(['app']), 'beta/compose.yaml': sleeperStack(['api', 'worker']) },
    'two stacks in one repository',
  );
});

afterAll(async () => {
  await f?.cleanup();
  if (second) await removeProject(second);
});

describe('projects sharing a repository', () => {
  it('share one ref advertisement per round and each deploys its own folder', async () => {
    await f.startDaemon();
    await f.waitStatus((s) => s.health === 'Healthy', 'alpha deployed');
    await f.waitStatusOf(second, (s) => s.health === 'Healthy', 'beta deployed');
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.service'])).toEqual(['app']);
    expect((await listProjectContainers(second)).map((c) => c.labels['spin.service']).sort()).toEqual([
      'api',
      'worker',
    ]);

    // Both poll at the same interval, so they fall due on the same whole-second ticks: over a
    // few seconds, one request per round for the two of them.
    const passes = () =>
      (f.daemon?.logs ?? []).filter(
        (l) => l.msg === 'reconcile pass' && (l.project === f.project || l.project === second),
      ).length;
    const [ads0, passes0] = [advertisements(), passes()];
    await new Promise((r) => setTimeout(r, 6_000));
    const ads = advertisements() - ads0;
    const both = passes() - passes0;
    expect(both).toBeGreaterThanOrEqual(4);
    expect(ads).toBeGreaterThanOrEqual(2);
    expect(ads).toBeLessThanOrEqual(Math.ceil(both / 2) + 1);
  });
});
