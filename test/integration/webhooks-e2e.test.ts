import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers } from '../helpers/docker.js';
import {
  projectFixture,
  sleeperStack,
  waitStatusNote,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

/**
 * Webhooks against the real daemon: the poll interval is an hour and the periodic resync is once
 * a year, so only a delivery the daemon accepts can make it deploy a pushed commit within seconds.
 */
const SECRET = `hook-${randomBytes(16).toString('hex')}`;
let f: ProjectFixture;
let first: string;

beforeAll(async () => {
  f = await projectFixture('hooks', {
    pollInterval: '1h',
    project: { webhookSecret: SECRET, previews: { branches: true, refs: ['refs/pull/*/head'] } },
    config: { resyncSchedule: '0 0 1 1 *' },
  });
  first = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
  await f.startDaemon();
  await f.waitStatus(
    (s) => s.appliedCommit === first && s.health === 'Healthy',
    'first commit deployed at start-up',
  );
});

afterAll(async () => {
  await f?.cleanup();
});

interface Reply {
  status: number;
  body: string;
}

/** POSTs raw bytes with Node's http client (no retries, no body rewriting). */
function post(path: string, body: Buffer | string, headers: Record<string, string>): Promise<Reply> {
  const url = new URL(path, f.daemon?.apiUrl);
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-length': String(data.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A GitHub `push` event body as GitHub sends it (the fields Spin reads, and some neighbours). */
function githubPush(sha: string, cloneUrl = f.server.repoUrl(f.project), ref = 'refs/heads/main'): string {
  const htmlUrl = cloneUrl.replace(/\.git$/, '');
  return JSON.stringify({
    ref,
    before: '0'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    head_commit: { id: sha, message: 'change' },
    repository: {
      name: f.project,
      full_name: `science/${f.project}`,
      html_url: htmlUrl,
      clone_url: cloneUrl,
      ssh_url: `git@forge.invalid:science/${f.project}.git`,
    },
    pusher: { name: 'researcher', email: 'r@example.org' },
  });
}

const githubHeaders = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-github-event': 'push',
  'x-github-delivery': randomBytes(8).toString('hex'),
  ...extra,
});

/** Everything a refused delivery must leave alone. */
async function snapshot(): Promise<{
  status: ProjectStatus | undefined;
  containers: Record<string, string>;
}> {
  const containers = Object.fromEntries(
    (await listProjectContainers(f.project)).map((c) => [c.name, `${c.id} ${c.labels['spin.commit']}`]),
  );
  return { status: await f.status(), containers };
}

describe('webhooks on the real daemon (poll interval 1h)', () => {
  it('changes nothing for a wrong signature, a missing one, an unknown repository or a huge body', async () => {
    const pending = await f.push({ 'compose.yaml': sleeperStack(['app', 'extra']) }, 'two sleepers');
    const before = await snapshot();
    expect(before.status?.desiredCommit).toBe(first);
    const body = githubPush(pending);

    const wrong = await post(
      '/hooks/github',
      body,
      githubHeaders({ 'x-hub-signature-256': sign(body, 'nope') }),
    );
    expect(wrong.status).toBe(401);
    const missing = await post('/hooks/github', body, githubHeaders());
    expect(missing.status).toBe(401);
    // Signed with the right secret but for a repository no project tracks.
    const elsewhere = githubPush(pending, `${f.server.url}/someone-else.git`);
    const unknown = await post(
      '/hooks/github',
      elsewhere,
      githubHeaders({ 'x-hub-signature-256': sign(elsewhere) }),
    );
    expect(unknown.status).toBe(404);
    // The GitLab endpoint with a wrong token, and with the GitHub signature instead of a token.
    const gitlab = await post('/hooks/gitlab', body, {
      'x-gitlab-token': 'nope',
      'x-gitlab-event': 'Push Hook',
    });
    expect(gitlab.status).toBe(401);
    const crossed = await post('/hooks/gitlab', body, {
      'x-hub-signature-256': sign(body),
      'x-gitlab-event': 'Push Hook',
    });
    expect(crossed.status).toBe(401);
    // Over the 5 MiB limit, even correctly signed.
    const huge = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(5 * 1024 * 1024) });
    const tooLarge = await post('/hooks/github', huge, githubHeaders({ 'x-hub-signature-256': sign(huge) }));
    expect(tooLarge.status).toBe(413);

    // Give a wrongly triggered pass time to show, then compare.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await snapshot()).toEqual(before);
  });

  it('deploys a correctly signed GitHub push within seconds', async () => {
    const head = (await f.repo.head()).trim();
    const body = githubPush(head);
    const res = await post('/hooks/github', body, githubHeaders({ 'x-hub-signature-256': sign(body) }));
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ triggered: [f.project] });
    // The poll is an hour away and the resync yearly: only the delivery can deploy it within this
    // generous bound (generous because a loaded machine is slow, not because Spin may be).
    const status = await f.waitStatus(
      (s) => s.appliedCommit === head && s.health === 'Healthy',
      'pushed commit deployed',
      60_000,
    );
    expect(status.desiredCommit).toBe(head);
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.service']).sort()).toEqual([
      'app',
      'extra',
    ]);
  });

  it('previews a pushed feature branch (spin/<project>/validate) and deploys nothing', async () => {
    const before = await snapshot();
    const main = await f.repo.head();
    await f.repo.git(['checkout', '--quiet', '-b', 'feature-z']);
    await f.repo.writeFiles({ 'compose.yaml': sleeperStack(['app', 'extra', 'third']) });
    const branchHead = await f.repo.commitAll('a third sleeper');
    await f.repo.push('feature-z');
    await f.repo.git(['checkout', '--quiet', 'main']);
    expect(await f.repo.head()).toBe(main);

    const body = githubPush(branchHead, f.server.repoUrl(f.project), 'refs/heads/feature-z');
    const res = await post('/hooks/github', body, githubHeaders({ 'x-hub-signature-256': sign(body) }));
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ message: `reconciling ${f.project} (preview)` });
    expect(
      await waitStatusNote(f, branchHead, `spin/${f.project}/validate`, undefined, 15_000),
    ).toMatchObject({
      state: 'success',
      description: 'policy ok; +1 created, 0 recreated, 0 removed',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('previews a pull request head (refs/pull/<n>/head) when previews.refs lists it', async () => {
    const before = await snapshot();
    const main = await f.repo.head();
    await f.repo.writeFiles({
      'compose.yaml': sleeperStack(['app', 'extra'], '    environment: { MODE: "review" }\n'),
    });
    const prHead = await f.repo.commitAll('configure review mode');
    // What a forge does for a pull request from a fork: only refs/pull/7/head points at it.
    await f.repo.git(['push', '--quiet', 'origin', 'HEAD:refs/pull/7/head']);
    await f.repo.git(['reset', '--quiet', '--hard', main]);

    const repoUrl = f.server.repoUrl(f.project);
    const body = JSON.stringify({
      action: 'opened',
      number: 7,
      pull_request: {
        number: 7,
        state: 'open',
        head: { ref: 'feature', sha: prHead, repo: { full_name: `fork/${f.project}` } },
        base: { ref: 'main', sha: main },
      },
      repository: { clone_url: repoUrl, html_url: repoUrl.replace(/\.git$/, '') },
    });
    const res = await post('/hooks/github', body, {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-hub-signature-256': sign(body),
    });
    expect(res.status).toBe(202);
    expect(await waitStatusNote(f, prHead, `spin/${f.project}/validate`, undefined, 15_000)).toMatchObject({
      state: 'success',
      description:
        'policy ok; +0 created, 2 recreated, 0 removed (app recreate environment.MODE; extra recreate environment.MODE)',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('answers a GitHub ping with 200 and deploys nothing', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1, repository: {} });
    const res = await post('/hooks/github', body, {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-hub-signature-256': sign(body),
    });
    expect(res.status).toBe(200);
  });

  it('deploys a GitLab push carrying the secret in X-Gitlab-Token', async () => {
    const head = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'back to one sleeper');
    const repoUrl = f.server.repoUrl(f.project);
    const body = JSON.stringify({
      object_kind: 'push',
      event_name: 'push',
      before: '0'.repeat(40),
      after: head,
      ref: 'refs/heads/main',
      checkout_sha: head,
      project: {
        name: f.project,
        path_with_namespace: `science/${f.project}`,
        web_url: repoUrl.replace(/\.git$/, ''),
        git_http_url: repoUrl,
        git_ssh_url: `git@forge.invalid:science/${f.project}.git`,
      },
      commits: [{ id: head, message: 'back to one sleeper' }],
      total_commits_count: 1,
    });
    const res = await post('/hooks/gitlab', body, {
      'content-type': 'application/json',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': SECRET,
    });
    expect(res.status).toBe(202);
    await f.waitStatus(
      (s) => s.appliedCommit === head && s.health === 'Healthy',
      'GitLab push deployed',
      15_000,
    );
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.service'])).toEqual(['app']);
  });
});
