import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { docker, listProjectContainers, waitFor } from '../helpers/docker.js';
import { markedStack, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin, startDaemon, writeConfig } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';
import type { GoodCommit, PassRecord } from '../../src/store/types.js';

/**
 * The daemon's HTTP API end to end: the real `spin daemon` with read and write tokens, a real git
 * smart-HTTP server and the real engine. Every endpoint, the token rules, error bodies, suspend,
 * and rollback to an earlier healthy commit (which really runs that commit's containers).
 */
const READ = 'read-token-0123456789abcdef';
const WRITE = 'write-token-0123456789abcdef';

let f: ProjectFixture;
let api: string;
let one: string;
let two: string;

/** `null` sends no token at all. */
const get = <T = unknown>(p: string, token: string | null = READ) =>
  callApi<T>(api, 'GET', p, { token: token ?? undefined });
/** Writes take a JSON body: `{}` unless the test sends its own. */
const post = <T = unknown>(p: string, body: unknown = {}, token: string | null = WRITE) =>
  callApi<T>(api, 'POST', p, { token: token ?? undefined, body });
const projectPath = (verb = '') => `/api/v1/projects/${f.project}${verb}`;

/** The app container's commit label and MARK environment value, as the engine reports them. */
async function running(): Promise<{ id: string; commit?: string; mark?: string; state: string }[]> {
  const list = await listProjectContainers(f.project);
  return Promise.all(
    list.map(async (c) => {
      const info = await docker().getContainer(c.id).inspect();
      const mark = info.Config.Env.find((e) => e.startsWith('MARK='))?.slice('MARK='.length);
      return { id: c.id, commit: c.labels['spin.commit'], mark, state: c.state };
    }),
  );
}

beforeAll(async () => {
  f = await projectFixture('api', { config: { api: { readToken: READ, writeToken: WRITE } } });
  one = await f.push({ 'compose.yaml': markedStack('one') }, 'one');
  api = (await f.startDaemon()).apiUrl;
  await f.waitStatus((s) => s.appliedCommit === one && s.health === 'Healthy', 'first commit healthy');
});

afterAll(() => f?.cleanup());

describe('probes', () => {
  it('/healthz answers without a token', async () => {
    const res = await get('/healthz', null);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz reports the engine and the state store reachable, without a token', async () => {
    const res = await get('/readyz', null);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', engine: 'ok', engines: { default: 'ok' }, store: 'ok' });
  });
});

describe('read endpoints', () => {
  it('GET /api/v1/projects lists the project with sync and health', async () => {
    const res = await get<{ projects: ProjectStatus[] }>('/api/v1/projects');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.projects).toEqual([
      expect.objectContaining({
        project: f.project,
        sync: 'Synced',
        health: 'Healthy',
        desiredCommit: one,
        appliedCommit: one,
      }),
    ]);
  });

  it('GET /api/v1/projects/<name> has the status and per-service containers', async () => {
    const res = await get<{ status: ProjectStatus; containers: Record<string, unknown>[] }>(projectPath());
    expect(res.status).toBe(200);
    expect(res.body.status).toMatchObject({ project: f.project, sync: 'Synced', appliedCommit: one });
    expect(res.body.containers).toEqual([
      {
        name: `${f.project}_app_1`,
        service: 'app',
        replica: 1,
        state: 'running',
        health: expect.any(String),
        image: 'spin-test/busybox:1',
        commit: one,
      },
    ]);
  });

  it('GET /api/v1/projects/<name>/containers lists the containers alone', async () => {
    const res = await get<{ containers: { name: string; commit: string }[] }>(projectPath('/containers'));
    expect(res.status).toBe(200);
    expect(res.body.containers.map((c) => [c.name, c.commit])).toEqual([[`${f.project}_app_1`, one]]);
  });

  it('GET /api/v1/projects/<name>/history has the first deploy and its good commit', async () => {
    const res = await get<{ passes: PassRecord[]; events: unknown[]; goodCommits: GoodCommit[] }>(
      projectPath('/history'),
    );
    expect(res.status).toBe(200);
    const applied = res.body.passes.find((p) => p.result === 'applied');
    expect(applied).toMatchObject({ project: f.project, commit: one, health: expect.any(String) });
    expect(applied?.actions.length).toBeGreaterThan(0);
    expect(typeof applied?.durationMs).toBe('number');
    expect(res.body.goodCommits.map((g) => g.commit)).toContain(one);
    expect(Array.isArray(res.body.events)).toBe(true);
  });

  it('GET /api/v1/projects/<name>/plan shows nothing to do for a converged project', async () => {
    const res = await get<{ commit: string; valid: boolean; actions: unknown[]; summary: string }>(
      projectPath('/plan'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ commit: one, valid: true, actions: [], summary: 'no changes' });
  });

  it('GET /metrics is Prometheus text', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toContain(`spin_reconcile_passes_total{project="${f.project}",result="applied"}`);
  });

  it('GET / and /projects/<name> serve the dashboard pages', async () => {
    const list = await callApi(api, 'GET', '/', { token: READ, basic: true });
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/^text\/html/);
    expect(list.text).toContain(f.project);
    const page = await callApi(api, 'GET', `/projects/${f.project}`, { token: READ });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`${f.project}_app_1`);
    const missing = await callApi(api, 'GET', '/projects/no-such-project', { token: READ });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('tokens', () => {
  it('a read endpoint without a token is 401 with a Bearer challenge', async () => {
    const res = await get('/api/v1/projects', null);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="spin"/);
    expect(res.body).toEqual({ error: expect.stringMatching(/missing bearer token/) });
  });

  it('a dashboard page without a token asks the browser for Basic credentials', async () => {
    const res = await callApi(api, 'GET', '/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="spin"');
  });

  it('a wrong token is 401, on reads and on writes', async () => {
    for (const res of [
      await get('/api/v1/projects', 'not-the-token-at-all'),
      await get('/metrics', 'not-the-token-at-all'),
      await post(projectPath('/sync'), undefined, 'not-the-token-at-all'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect(res.body).toEqual({ error: 'invalid token' });
    }
  });

  it('a write endpoint without a token is 401', async () => {
    const res = await post(projectPath('/sync'), undefined, null);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('the read-only token on a write endpoint is 403', async () => {
    for (const verb of ['/sync', '/suspend', '/resume', '/rollback']) {
      const res = await post(projectPath(verb), undefined, READ);
      expect(res.status, verb).toBe(403);
      expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
      expect(res.body).toEqual({ error: expect.stringMatching(/read-only/) });
    }
    expect((await get<{ status: ProjectStatus }>(projectPath())).body.status.suspended).toBeFalsy();
  });

  it('the write token works on reads too', async () => {
    expect((await get('/api/v1/projects', WRITE)).status).toBe(200);
    expect((await get('/metrics', WRITE)).status).toBe(200);
    expect((await callApi(api, 'GET', '/', { token: WRITE, basic: true })).status).toBe(200);
  });
});

describe('error bodies', () => {
  it('an unknown route is 404 {error}', async () => {
    const res = await get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: 'not found' });
  });

  it('a known route with the wrong method is 405 {error} with Allow', async () => {
    const wrongGet = await get(projectPath('/sync'));
    expect(wrongGet.status).toBe(405);
    expect(wrongGet.headers.get('allow')).toBe('POST');
    expect(wrongGet.body).toEqual({ error: 'method not allowed' });
    const wrongPost = await post('/api/v1/projects');
    expect(wrongPost.status).toBe(405);
    expect(wrongPost.headers.get('allow')).toBe('GET');
  });

  it('an unknown project is 404 {error} naming it, on reads and writes', async () => {
    for (const res of [
      await get('/api/v1/projects/no-such-project'),
      await get('/api/v1/projects/no-such-project/history'),
      await get('/api/v1/projects/no-such-project/plan'),
      await post('/api/v1/projects/no-such-project/sync'),
      await post('/api/v1/projects/no-such-project/rollback'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: "unknown project 'no-such-project'" });
    }
  });

  it('a rollback body that is not JSON is 400 {error}', async () => {
    const res = await post(projectPath('/rollback'), '{not json');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'body is not JSON' });
  });
});

describe('actions', () => {
  it('POST /sync runs a pass and answers with its status', async () => {
    const before = (await f.status())?.lastReconcile ?? '';
    const res = await post<{ status: ProjectStatus; actions: number }>(projectPath('/sync'));
    expect(res.status).toBe(200);
    expect(res.body.actions).toBe(0);
    expect(res.body.status).toMatchObject({ project: f.project, sync: 'Synced', appliedCommit: one });
    expect(Date.parse(res.body.status.lastReconcile ?? '')).toBeGreaterThanOrEqual(Date.parse(before));
  });

  it('a suspended project is not reconciled until it is resumed', async () => {
    const before = await running();
    const suspended = await post<{ status: ProjectStatus }>(projectPath('/suspend'));
    expect(suspended.status).toBe(200);
    expect(suspended.body.status.suspended).toBe(true);

    two = await f.push({ 'compose.yaml': markedStack('two') }, 'two');
    // Three poll intervals and more: nothing happens while suspended.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const held = (await get<{ status: ProjectStatus }>(projectPath())).body.status;
    expect(held).toMatchObject({ suspended: true, appliedCommit: one });
    expect(held.desiredCommit).not.toBe(two);
    expect(await running()).toEqual(before);

    // The plan endpoint still tells what a pass would do with the new head.
    const plan = await get<{ commit: string; actions: { kind: string }[] }>(projectPath('/plan'));
    expect(plan.body.commit).toBe(two);
    expect(plan.body.actions.map((a) => a.kind)).toContain('recreate');

    const resumed = await post<{ status: ProjectStatus }>(projectPath('/resume'));
    expect(resumed.status).toBe(200);
    expect(resumed.body.status.suspended).toBe(false);
    await f.waitStatus((s) => s.appliedCommit === two && s.health === 'Healthy', 'two applied after resume');
    await waitFor(running, {
      until: (list) => list.length === 1 && list[0]?.commit === two && list[0].mark === 'two',
      description: 'container of commit two',
    });
    const events = (await get<{ events: { kind: string }[] }>(projectPath('/history'))).body.events;
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['suspended', 'resumed']));
  });

  it('a rollback to a commit that never ran healthy is 409 with the known good commits', async () => {
    const res = await post<{ error: string }>(projectPath('/rollback'), { commit: 'deadbeefdeadbeef' });
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('commit deadbeefdeadbeef was never deployed healthy here');
    expect(res.body.error).toContain(one.slice(0, 12));
    expect(res.body.error).toContain(two.slice(0, 12));
  });

  it('a rollback without a commit runs the previous healthy commit, and holds it', async () => {
    const res = await post<{ commit: string; status: ProjectStatus; actions: number }>(
      projectPath('/rollback'),
    );
    expect(res.status).toBe(200);
    expect(res.body.commit).toBe(one);
    expect(res.body.actions).toBeGreaterThan(0);
    expect(res.body.status).toMatchObject({
      appliedCommit: one,
      desiredCommit: two,
      pinned: { commit: one, head: two },
    });
    expect(await running()).toEqual([
      expect.objectContaining({ commit: one, mark: 'one', state: 'running' }),
    ]);
    // Polls of the unchanged branch keep the pinned commit running.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await running()).toEqual([expect.objectContaining({ commit: one, mark: 'one' })]);
    expect((await f.status())?.pinned?.commit).toBe(one);
  });

  it('a rollback to a given commit (a short prefix) runs that commit', async () => {
    const res = await post<{ commit: string; status: ProjectStatus }>(projectPath('/rollback'), {
      commit: two.slice(0, 10),
    });
    expect(res.status).toBe(200);
    expect(res.body.commit).toBe(two);
    expect(await running()).toEqual([expect.objectContaining({ commit: two, mark: 'two' })]);
    const back = await post<{ commit: string }>(projectPath('/rollback'), { commit: one });
    expect(back.status).toBe(200);
    expect(await running()).toEqual([expect.objectContaining({ commit: one, mark: 'one' })]);
  });

  it('the next push ends the pin', async () => {
    const three = await f.push({ 'compose.yaml': markedStack('three') }, 'three');
    const status = await f.waitStatus(
      (s) => s.appliedCommit === three && s.health === 'Healthy',
      'three applied after the pin',
    );
    expect(status.pinned).toBeUndefined();
    expect(status.sync).toBe('Synced');
    await waitFor(running, {
      until: (list) => list.length === 1 && list[0]?.commit === three && list[0].mark === 'three',
      description: 'container of commit three',
    });
    const events = (await get<{ events: { kind: string; message: string }[] }>(projectPath('/history'))).body
      .events;
    // One event per operator rollback, saying which commit and that it came through the API.
    expect(events.filter((e) => e.kind === 'rollback').map((e) => e.message)).toEqual([
      `rolled back to ${one.slice(0, 12)} through the API`,
      `rolled back to ${two.slice(0, 12)} through the API`,
      `rolled back to ${one.slice(0, 12)} through the API`,
    ]);
  });
});

describe('rollback while a pass runs', () => {
  it('is not lost when a drift-repair pass is in flight', async () => {
    const four = await f.push({ 'compose.yaml': markedStack('four') }, 'four');
    await f.waitStatus((s) => s.appliedCommit === four && s.health === 'Healthy', 'four healthy');
    const five = await f.push({ 'compose.yaml': markedStack('five', { readyAfter: 2 }) }, 'five');
    await f.waitStatus((s) => s.appliedCommit === five && s.health === 'Healthy', 'five healthy');
    const [old] = await running();
    // Removed by hand: a drift-repair pass recreates it and waits about 2 s for it to be ready.
    await docker()
      .getContainer(old?.id ?? '')
      .remove({ force: true });
    await waitFor(running, {
      until: (list) => list.length === 1 && list[0]?.id !== old?.id,
      timeoutMs: 10_000,
      intervalMs: 50,
      description: 'the drift-repair pass recreating the container',
    });
    const res = await post<{ commit: string; status: ProjectStatus }>(projectPath('/rollback'), {
      commit: four,
    });
    expect(res.status).toBe(200);
    expect(res.body.commit).toBe(four);
    expect(res.body.status).toMatchObject({ appliedCommit: four, pinned: { commit: four, head: five } });
    expect(await running()).toEqual([expect.objectContaining({ commit: four, mark: 'four' })]);
  });
});

describe('daemon API settings', () => {
  it('without a write token, write endpoints answer 403 "write API disabled" and reads are open', async () => {
    const config = await writeConfig(path.join(f.tmp, 'no-write.yaml'), {
      stateDir: path.join(f.tmp, 'state-no-write'),
      projects: [],
    });
    const daemon = await startDaemon(config);
    try {
      const write = await callApi(daemon.apiUrl, 'POST', '/api/v1/projects/anything/sync');
      expect(write.status).toBe(403);
      expect(write.body).toEqual({ error: expect.stringMatching(/^write API disabled/) });
      // A token does not help when no write token is configured.
      const withToken = await callApi(daemon.apiUrl, 'POST', '/api/v1/projects/anything/sync', {
        token: WRITE,
      });
      expect(withToken.status).toBe(403);
      const read = await callApi(daemon.apiUrl, 'GET', '/api/v1/projects');
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ projects: [] });
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });

  it('refuses to listen beyond loopback without tokens (exit 2, a clear message)', async () => {
    const config = await writeConfig(path.join(f.tmp, 'open.yaml'), {
      stateDir: path.join(f.tmp, 'state-open'),
      api: { listen: '0.0.0.0:0' },
      projects: [],
    });
    const result = await runSpin(['daemon', '--config', config], { timeoutMs: 15_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('api.listen 0.0.0.0:0 is reachable from other machines');
    expect(result.stderr).toContain('no API token is configured');
  });

  it('listens beyond loopback when tokens are configured', async () => {
    const config = await writeConfig(path.join(f.tmp, 'tokens.yaml'), {
      stateDir: path.join(f.tmp, 'state-tokens'),
      api: { listen: '0.0.0.0:0', readToken: READ, writeToken: WRITE },
      projects: [],
    });
    const daemon = await startDaemon(config);
    try {
      const url = daemon.apiUrl.replace('0.0.0.0', '127.0.0.1');
      expect((await callApi(url, 'GET', '/api/v1/projects')).status).toBe(401);
      expect((await callApi(url, 'GET', '/api/v1/projects', { token: READ })).status).toBe(200);
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});
