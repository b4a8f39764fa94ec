import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, waitFor } from '../helpers/docker.js';
import { cloneWorkingCopy } from '../helpers/git-server.js';
import {
  projectFixture,
  readStatusNote,
  sleeperStack,
  waitStatusNote,
  type ProjectFixture,
  type StatusNoteEntry,
} from '../helpers/project-fixture.js';
import { FakeForge } from '../helpers/fake-forge.js';

/**
 * Commit statuses end to end: the real `spin daemon` deploying from a real git smart-HTTP server
 * onto the real engine, and what a reviewer sees afterwards — git notes in a fresh clone (the
 * default provider), or the requests a forge's statuses API receives (github).
 */
type Note = Record<string, StatusNoteEntry>;

let readers = 0;

/** A fresh clone that fetched `refs/notes/spin`, for `git log` / `git notes list`. */
async function freshClone(f: ProjectFixture) {
  const wc = await cloneWorkingCopy(f.server.repoUrl(f.project), path.join(f.tmp, `reader-${++readers}`));
  await wc.git(['fetch', '--quiet', 'origin', 'refs/notes/spin:refs/notes/spin']);
  return wc;
}

const containerIds = async (project: string) =>
  Object.fromEntries((await listProjectContainers(project)).map((c) => [c.name, c.id]));

describe('gitnotes (default provider) on a real git smart-HTTP server', () => {
  let f: ProjectFixture;
  let context: string;
  /** A commit under the deployed one that Spin never reports on. */
  let earlier: string;
  let deployed: string;
  let refused: string;
  let feature: string;
  let featureBad: string;

  beforeAll(async () => {
    f = await projectFixture('st-notes');
    context = `spin/${f.project}`;
    await f.repo.writeFiles({ 'compose.yaml': `# draft\n${sleeperStack(['app'])}` });
    earlier = await f.repo.commitAll('draft');
    await f.repo.writeFiles({ 'compose.yaml': sleeperStack(['app']) });
    deployed = await f.repo.commitAll('one sleeper');
    await f.repo.push();
    await f.startDaemon();
  });
  afterAll(async () => {
    await f?.cleanup();
  });

  it('shows success for the deployed commit in a fresh clone, after pending', async () => {
    await f.waitStatus(
      (s) => s.desiredCommit === deployed && s.sync === 'Synced' && s.health === 'Healthy',
      'first deploy healthy',
    );
    const entry = await waitStatusNote(f, deployed, context, (e) => e.state === 'success');
    expect(entry).toMatchObject({
      state: 'success',
      description: 'deployed and healthy',
      targetUrl: passUrl(`${f.daemon?.apiUrl}/projects/${f.project}`),
    });
    expect(Date.parse(entry.updatedAt)).not.toBeNaN();
    // The notes history: the pending written when the deploy started, then the success. (A
    // pending still queued when the success arrives is dropped by design, hence either history.)
    const wc = await freshClone(f);
    const subjects = (await wc.git(['log', '--format=%s', 'refs/notes/spin'])).trim().split('\n').reverse();
    const short = deployed.slice(0, 12);
    const pending = `spin: ${context} pending on ${short}`;
    const success = `spin: ${context} success on ${short}`;
    expect([[pending, success], [success]]).toContainEqual(subjects);
    // The commit under the head was never acted on.
    await expect(wc.git(['notes', '--ref=spin', 'show', earlier])).rejects.toThrow();
  });

  it('shows failure with the rule id for a refused commit, and nothing changes', async () => {
    const before = await containerIds(f.project);
    refused = await f.push(
      { 'compose.yaml': sleeperStack(['app'], '    privileged: true\n') },
      'privileged sleeper',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === refused, 'refused commit');
    expect(status.appliedCommit).toBe(deployed);
    const entry = await waitStatusNote(f, refused, context, (e) => e.state === 'failure');
    expect(entry.description).toMatch(/^refused: compose\.yaml:\d+:\d+: privilege\.privileged: /);
    expect(entry.description.length).toBeLessThanOrEqual(140);
    expect(await containerIds(f.project)).toEqual(before);
    // The deployed commit keeps its success.
    expect((await readStatusNote(f, deployed))[context]?.state).toBe('success');
  });

  it('previews a feature branch head as spin/<project>/validate and deploys nothing from it', async () => {
    const before = await containerIds(f.project);
    await f.repo.git(['checkout', '--quiet', '-b', 'feature-x', deployed]);
    await f.repo.writeFiles({ 'compose.yaml': sleeperStack(['app', 'extra']) });
    feature = await f.repo.commitAll('one more sleeper');
    await f.repo.push('feature-x');
    // And a branch that would not pass the policy gate.
    await f.repo.git(['checkout', '--quiet', '-b', 'feature-bad', deployed]);
    await f.repo.writeFiles({ 'compose.yaml': sleeperStack(['app'], '    privileged: true\n') });
    featureBad = await f.repo.commitAll('privileged branch');
    await f.repo.push('feature-bad');
    await f.repo.git(['checkout', '--quiet', 'main']);

    expect(await waitStatusNote(f, feature, `${context}/validate`)).toMatchObject({
      state: 'success',
      description: 'policy ok; +1 created, 0 recreated, 0 removed',
    });
    expect((await readStatusNote(f, feature))[context]).toBeUndefined();
    const bad = await waitStatusNote(f, featureBad, `${context}/validate`);
    expect(bad.state).toBe('failure');
    expect(bad.description).toMatch(/^refused: compose\.yaml:\d+:\d+: privilege\.privileged: /);
    // A few more polls: still nothing from the branch on the engine, main still refused.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await containerIds(f.project)).toEqual(before);
    const status = await f.status();
    expect(status).toMatchObject({ desiredCommit: refused, appliedCommit: deployed });
  });

  it("keeps notes another writer pushes meanwhile, and the daemon's own notes", async () => {
    // Another tool annotates commits with plain `git notes` and pushes refs/notes/spin as git
    // users do: fetch, add, push, and start over when the push is refused (non-fast-forward).
    const other = await cloneWorkingCopy(f.server.repoUrl(f.project), path.join(f.tmp, 'other-writer'));
    const annotate = async (sha: string, text: string): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        await other.git(['fetch', '--quiet', 'origin', '+refs/notes/spin:refs/notes/spin']);
        await other.git(['notes', '--ref=spin', 'add', '-f', '-m', text, sha]);
        try {
          await other.git(['push', '--quiet', 'origin', 'refs/notes/spin']);
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
        }
      }
    };
    // First the other writer, so the daemon's next note has to build on a tip it did not write.
    await annotate(earlier, 'reviewed-by: a human');
    // Then both at once: a new branch the daemon previews, while the other writer annotates the
    // commit under the branch head.
    await other.git(['checkout', '--quiet', '-b', 'feature-y', deployed]);
    await other.writeFiles({ 'compose.yaml': `# wip\n${sleeperStack(['app', 'third'])}` });
    const wip = await other.commitAll('work in progress');
    await other.writeFiles({ 'compose.yaml': sleeperStack(['app', 'third']) });
    const featureY = await other.commitAll('another sleeper');
    await other.push('feature-y');
    await annotate(wip, 'ci: lint passed');

    await waitStatusNote(f, featureY, `${context}/validate`);
    // Let the daemon poll (and not write) a few more times.
    await new Promise((r) => setTimeout(r, 2_000));
    const wc = await freshClone(f);
    const show = async (sha: string) => (await wc.git(['notes', '--ref=spin', 'show', sha])).trim();
    const json = async (sha: string) => JSON.parse(await show(sha)) as Note;
    expect(await show(earlier)).toBe('reviewed-by: a human');
    expect(await show(wip)).toBe('ci: lint passed');
    expect((await json(deployed))[context]?.state).toBe('success');
    expect((await json(refused))[context]?.state).toBe('failure');
    expect((await json(feature))[`${context}/validate`]?.state).toBe('success');
    expect((await json(featureBad))[`${context}/validate`]?.state).toBe('failure');
    expect((await json(featureY))[`${context}/validate`]).toMatchObject({
      state: 'success',
      description: 'policy ok; +1 created, 0 recreated, 0 removed',
    });
    // Every note is a blob named by the commit it annotates, as `git notes` lays them out.
    const listed = (await wc.git(['notes', '--ref=spin', 'list'])).trim().split('\n');
    expect(listed.map((l) => l.split(' ')[1]).sort()).toEqual(
      [earlier, deployed, refused, feature, featureBad, wip, featureY].sort(),
    );
  });
});

describe('github provider: the daemon posts to a statuses API in the test', () => {
  const forge = new FakeForge();
  const tokenEnv = 'SPIN_E2E_GITHUB_TOKEN';
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  const publicUrl = 'http://spin.example.test:7070';
  let f: ProjectFixture;
  let context: string;

  beforeAll(async () => {
    await forge.start();
    f = await projectFixture('st-github', {
      project: { status: { provider: 'github', apiUrl: forge.url, repo: 'octo-org/gateway-a', tokenEnv } },
      config: { api: { listen: '127.0.0.1:0', publicUrl } },
    });
    context = `spin/${f.project}`;
    // The daemon is a child process: it inherits this environment.
    process.env[tokenEnv] = token;
  });
  afterAll(async () => {
    await f?.cleanup();
    await forge.stop();
    delete process.env[tokenEnv];
  });

  const expected = (sha: string, state: string, description: string) => ({
    method: 'POST',
    url: `/repos/octo-org/gateway-a/statuses/${sha}`,
    auth: `Bearer ${token}`,
    accept: 'application/vnd.github+json',
    version: '2022-11-28',
    contentType: 'application/json',
    body: { state, description, context, target_url: passUrl(`${publicUrl}/projects/${f.project}`) },
  });
  const received = () =>
    forge.requests.map((r) => ({
      method: r.method,
      url: r.url,
      auth: r.headers.authorization,
      accept: r.headers.accept,
      version: r.headers['x-github-api-version'],
      contentType: r.headers['content-type'],
      body: r.body,
    }));
  const passes = () => (f.daemon?.logs ?? []).filter((l) => l.msg === 'reconcile pass').length;

  it('posts pending then success for a deploy, once, across polls and a restart', async () => {
    const sha = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
    await f.startDaemon();
    await waitFor(received, {
      until: (r) => r.some((x) => (x.body as { state?: string }).state === 'success'),
      description: 'success posted',
    });
    const deploy = [
      expected(sha, 'pending', 'deploying: +1 created, 0 recreated, 0 removed'),
      expected(sha, 'success', 'deployed and healthy'),
    ];
    expect(received()).toEqual(deploy);

    // More polls of the same healthy commit: nothing new to say.
    const seen = passes();
    await waitFor(passes, { until: (n) => n >= seen + 3, description: 'three more passes' });
    expect(received()).toEqual(deploy);

    // A restarted daemon remembers what it delivered (<stateDir>/statuses/<project>.json).
    await f.daemon?.stop();
    await f.startDaemon();
    await waitFor(passes, { until: (n) => n >= 3, description: 'three passes after the restart' });
    expect(received()).toEqual(deploy);

    // A new commit gets its own pending and success.
    const next = await f.push({ 'compose.yaml': sleeperStack(['app', 'extra']) }, 'two sleepers');
    await waitFor(received, { until: (r) => r.length >= 4, description: 'statuses of the second commit' });
    await waitFor(passes, { until: (n) => n >= 6, description: 'more passes' });
    expect(received()).toEqual([
      ...deploy,
      expected(next, 'pending', 'deploying: +1 created, 0 recreated, 0 removed'),
      expected(next, 'success', 'deployed and healthy'),
    ]);
    // The token never reaches the logs.
    expect(JSON.stringify(f.daemon?.logs)).not.toContain(token);
  });
});

describe('gitlab provider: the daemon posts to a GitLab statuses API in the test', () => {
  const forge = new FakeForge();
  const tokenEnv = 'SPIN_E2E_GITLAB_TOKEN';
  const token = `glpat-${randomBytes(12).toString('hex')}`;
  let f: ProjectFixture;

  beforeAll(async () => {
    await forge.start();
    f = await projectFixture('st-gitlab', {
      project: {
        status: { provider: 'gitlab', apiUrl: `${forge.url}/api/v4`, repo: 'science/gateway-b', tokenEnv },
      },
    });
    process.env[tokenEnv] = token;
  });
  afterAll(async () => {
    await f?.cleanup();
    await forge.stop();
    delete process.env[tokenEnv];
  });

  it("posts GitLab's states (running, then success or failed) for each commit, with the token header", async () => {
    const good = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
    await f.startDaemon();
    const states = () => forge.requests.map((r) => (r.body as { state?: string }).state);
    await waitFor(states, { until: (s) => s.includes('success'), description: 'success posted' });
    const bad = await f.push(
      { 'compose.yaml': sleeperStack(['app'], '    privileged: true\n') },
      'privileged',
    );
    await waitFor(states, { until: (s) => s.includes('failed'), description: 'failed posted' });
    const url = (sha: string) => `/api/v4/projects/science%2Fgateway-b/statuses/${sha}`;
    expect(forge.requests.map((r) => [r.method, r.url, (r.body as { state: string }).state])).toEqual([
      ['POST', url(good), 'running'],
      ['POST', url(good), 'success'],
      ['POST', url(bad), 'failed'],
    ]);
    for (const r of forge.requests) {
      expect(r.headers['private-token']).toBe(token);
      expect(r.body).toMatchObject({
        name: `spin/${f.project}`,
        target_url: expect.stringContaining(f.project),
      });
    }
    expect((forge.requests[2]?.body as { description: string }).description).toMatch(
      /^refused: compose\.yaml:\d+:\d+: privilege\.privileged: /,
    );
    expect(JSON.stringify(f.daemon?.logs)).not.toContain(token);
  });
});

/** The project's page with the id of the pass the status is about (its logs and history row carry it). */
function passUrl(page: string) {
  return expect.stringMatching(
    new RegExp(`^${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?pass=[0-9a-f]{8}$`),
  );
}
