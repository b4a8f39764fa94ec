import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, removeProject, waitFor } from '../helpers/docker.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';

/**
 * Two projects deploying from one repository (two folders, as a monorepo of stacks would): a
 * round that polls both asks the git server for that repository's refs once, not once per
 * project, and both projects still follow their own folder. The poll interval is an hour and the
 * resync yearly, so the only round that asks git is the one the test starts (one webhook that
 * wakes both projects at once): the count is exact, whatever the machine's load.
 */
const SECRET = `shared-${randomBytes(16).toString('hex')}`;
let f: ProjectFixture;
let second: string;
let head: string;

const advertisements = (from: number) =>
  f.server.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && r.path.includes('/info/refs?service=git-upload-pack')).length;

beforeAll(async () => {
  f = await projectFixture('shared', {
    pollInterval: '1h',
    project: { path: 'alpha', webhookSecret: SECRET },
    config: { resyncSchedule: '0 0 1 1 *' },
  });
  second = `${f.project}-beta`;
  await f.writeConfig({
    ...f.config,
    projects: [
      ...f.config.projects,
      { name: second, repo: f.server.repoUrl(f.project), path: 'beta', webhookSecret: SECRET },
    ],
  });
  head = await f.push(
    { 'alpha/compose.yaml': sleeperStack(['app']), 'beta/compose.yaml': sleeperStack(['api', 'worker']) },
    'two stacks in one repository',
  );
});

afterAll(async () => {
  await f?.cleanup();
  if (second) await removeProject(second);
});

/** Resolves once the git server has had no request for `quietMs` (commit status pushes settle). */
async function gitQuiet(quietMs = 3_000): Promise<void> {
  let seen = -1;
  let since = Date.now();
  await waitFor(
    () => {
      if (f.server.requests.length !== seen) [seen, since] = [f.server.requests.length, Date.now()];
      return Date.now() - since >= quietMs;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: 'git server quiet' },
  );
}

/** A signed GitHub push of `sha` to main of the shared repository: it wakes both projects. */
async function pushHook(sha: string): Promise<{ status: number; body: string }> {
  const cloneUrl = f.server.repoUrl(f.project);
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    deleted: false,
    repository: { name: f.project, clone_url: cloneUrl, html_url: cloneUrl.replace(/\.git$/, '') },
  });
  const res = await fetch(new URL('/hooks/github', f.daemon?.apiUrl), {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
  });
  return { status: res.status, body: await res.text() };
}

describe('projects sharing a repository', () => {
  it('share one ref advertisement per round and each deploys its own folder', async () => {
    await f.startDaemon();
    await f.waitStatus((s) => s.health === 'Healthy' && s.appliedCommit === head, 'alpha deployed');
    await f.waitStatusOf(second, (s) => s.health === 'Healthy' && s.appliedCommit === head, 'beta deployed');
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.service'])).toEqual(['app']);
    expect((await listProjectContainers(second)).map((c) => c.labels['spin.service']).sort()).toEqual([
      'api',
      'worker',
    ]);

    await gitQuiet();
    const mark = f.server.requests.length;
    const logMark = f.daemon?.logs.length ?? 0;
    const hook = await pushHook(head);
    expect(hook.status, hook.body).toBe(202);
    // (Idle passes rewrite the status file only once a minute: their log lines say they ran.)
    const passed = (project: string) =>
      waitFor(
        () =>
          (f.daemon?.logs ?? [])
            .slice(logMark)
            .some((l) => l.msg === 'reconcile pass' && l.project === project),
        { timeoutMs: 60_000, intervalMs: 250, description: `${project} polled by the webhook` },
      );
    await passed(f.project);
    await passed(second);
    // One round polled both projects: one advertisement of their repository.
    expect(advertisements(mark)).toBe(1);
  }, 240_000);
});
