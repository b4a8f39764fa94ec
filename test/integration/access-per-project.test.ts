/**
 * Issue #16, access per project, on the real daemon: a token issued by `spin token create` for
 * project A reaches A with its role and nothing of project B, through the API, the CLI and the
 * dashboard in a real chromium; a missing project and a forbidden one answer the same; a token
 * file the config maps to B reads B only; revocation and expiry take effect without a restart;
 * A's secrets are set through the API, and the value is never echoed or logged. The daemon-wide
 * write token keeps working as admin.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { waitFor } from '../helpers/docker.js';
import {
  projectFixture,
  sleeperStack,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';
import { DashboardPage } from '../unit/dashboard/page-object.js';

const CHROMIUM = '/usr/bin/chromium';
const WRITE = 'access-write-token-0123456789abcdef';
const B_READ = 'access-b-read-token-0123456789abcdef';
const SECRET_VALUE = 'hunter2-access-secret-value-6f1e';

let f: ProjectFixture;
let b: ExtraRepo;
let api: string;
let tokenA: string;
let browser: Browser | undefined;

const A = () => f.project;
const B = () => b.project;

async function createToken(args: string[]): Promise<string> {
  const result = await runSpin(['token', 'create', '--config', f.configFile, ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

const get = (p: string, token?: string) => callApi(api, 'GET', p, { token });
const post = (p: string, token?: string) => callApi(api, 'POST', p, { token, body: {} });

beforeAll(async () => {
  f = await projectFixture('acc-a', { pollInterval: '1h', config: { resyncSchedule: '0 0 1 1 *' } });
  b = await f.addRepo('acc-b');
  await writeFile(path.join(f.tmp, 'b.token'), `${B_READ}\n`, { mode: 0o600 });
  await f.writeConfig({
    ...f.config,
    api: {
      writeToken: WRITE,
      tokens: [{ file: path.join(f.tmp, 'b.token'), projects: [b.project], role: 'read' }],
    },
    projects: [...f.config.projects, { name: b.project, repo: b.repoUrl }],
  });
  const headA = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'a');
  const headB = await b.push({ 'compose.yaml': sleeperStack(['app']) }, 'b');
  api = (await f.startDaemon()).apiUrl;
  await f.waitStatus((s) => s.appliedCommit === headA, 'A applied', 60_000);
  await f.waitStatusOf(B(), (s) => s.appliedCommit === headB, 'B applied', 60_000);
  tokenA = await createToken(['--project', A(), '--role', 'operate', '--name', 'a-ops']);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await f?.cleanup();
});

describe('a token for project A', () => {
  it('reads and acts on A through the API, and sees nothing of B', async () => {
    const list = await get('/api/v1/projects', tokenA);
    expect(list.status).toBe(200);
    expect((list.body as { projects: { project: string }[] }).projects.map((p) => p.project)).toEqual([A()]);
    expect((await get(`/api/v1/projects/${A()}`, tokenA)).status).toBe(200);
    expect((await get(`/api/v1/projects/${A()}/history`, tokenA)).status).toBe(200);
    const sync = await post(`/api/v1/projects/${A()}/sync`, tokenA);
    expect(sync.status, sync.text).toBe(200);

    for (const suffix of ['', '/containers', '/history', '/plan']) {
      const res = await get(`/api/v1/projects/${B()}${suffix}`, tokenA);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: `this needs role read on project '${B()}'; the token has no role there`,
      });
    }
    for (const verb of ['sync', 'suspend', 'resume', 'rollback']) {
      const res = await post(`/api/v1/projects/${B()}/${verb}`, tokenA);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: `this needs role operate on project '${B()}'; the token has no role there`,
      });
    }
    expect((await f.statusOf(B()))?.suspended).not.toBe(true);
    // /metrics carries every project's series: only for tokens over all projects.
    expect((await get('/metrics', tokenA)).status).toBe(403);
    expect((await get('/metrics', WRITE)).status).toBe(200);
  });

  it('gets the same answer for a missing project as for a forbidden one', async () => {
    const forbidden = await get(`/api/v1/projects/${B()}`, tokenA);
    const missing = await get('/api/v1/projects/no-such-project-here', tokenA);
    expect(missing.status).toBe(forbidden.status);
    expect(JSON.stringify(missing.body).replaceAll('no-such-project-here', B())).toBe(
      JSON.stringify(forbidden.body),
    );
    // A token over all projects is told plainly that the project is not there.
    expect((await get('/api/v1/projects/no-such-project-here', WRITE)).status).toBe(404);
  });

  it('works the same through the CLI', async () => {
    const status = await runSpin(['status', '--server', api, '--token', tokenA, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { project: string }[]).map((s) => s.project)).toEqual([A()]);
    const syncB = await runSpin(['sync', B(), '--server', api, '--token', tokenA]);
    expect(syncB.code).not.toBe(0);
    expect(syncB.stderr).toContain(`403 this needs role operate on project '${B()}'`);
    const syncA = await runSpin(['sync', A(), '--server', api], { env: { SPIN_TOKEN: tokenA } });
    expect(syncA.code, syncA.stderr).toBe(0);
  });

  it('sets, lists and removes A’s secrets through the API, never B’s, never echoing the value', async () => {
    const server = ['--server', api, '--token', tokenA];
    const set = await runSpin(['secret', 'set', A(), 'db_password', ...server], { input: SECRET_VALUE });
    expect(set.code, set.stderr).toBe(0);
    const ls = await runSpin(['secret', 'ls', A(), ...server, '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['db_password']);
    // The daemon wrote the same store the local command reads.
    const local = await runSpin(['secret', 'ls', A(), '--config', f.configFile, '--json']);
    expect((JSON.parse(local.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['db_password']);
    const setB = await runSpin(['secret', 'set', B(), 'db_password', ...server], { input: SECRET_VALUE });
    expect(setB.code).not.toBe(0);
    expect(setB.stderr).toContain(`403 this needs role operate on project '${B()}'`);
    const rm = await runSpin(['secret', 'rm', A(), 'db_password', ...server]);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await get(`/api/v1/projects/${A()}/secrets`, tokenA)).body).toEqual({ secrets: [] });
    for (const out of [set.stdout, set.stderr, ls.stdout, rm.stdout, f.daemon?.output() ?? '']) {
      expect(out).not.toContain(SECRET_VALUE);
      expect(out).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
    }
    expect(f.daemon?.output()).not.toContain(tokenA);
  });

  it('is refused by the dashboard for B in chromium, the same as a missing project', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    const context = await browser.newContext({
      httpCredentials: { username: 'researcher', password: tokenA, send: 'always' },
    });
    const page = await context.newPage();
    const dash = new DashboardPage(page, api);
    await dash.openList();
    expect(await dash.projectNames()).toEqual([A()]);
    await dash.openProject(A());
    expect(await dash.containerNames()).toEqual([`${A()}_app_1`]);

    const forbidden = await page.goto(`${api}/projects/${B()}`);
    expect(forbidden?.status()).toBe(403);
    const forbiddenText = await page.locator('main').innerText();
    expect(forbiddenText).toContain(`No access to “${B()}”`);
    expect(forbiddenText).not.toContain('app');
    const missing = await page.goto(`${api}/projects/no-such-project-here`);
    expect(missing?.status()).toBe(403);
    expect((await page.locator('main').innerText()).replaceAll('no-such-project-here', B())).toBe(
      forbiddenText,
    );
    await context.close();
  });
});

describe('other credentials', () => {
  it('the daemon-wide write token still reaches every project; reads without a token are closed', async () => {
    const list = await get('/api/v1/projects', WRITE);
    expect((list.body as { projects: { project: string }[] }).projects.map((p) => p.project).sort()).toEqual(
      [A(), B()].sort(),
    );
    expect((await post(`/api/v1/projects/${B()}/sync`, WRITE)).status).toBe(200);
    expect((await get('/api/v1/projects')).status).toBe(401);
  });

  it('a token file the config maps to B with role read reads B only', async () => {
    expect((await get(`/api/v1/projects/${B()}`, B_READ)).status).toBe(200);
    const act = await post(`/api/v1/projects/${B()}/sync`, B_READ);
    expect(act.status).toBe(403);
    expect(act.body).toEqual({ error: expect.stringMatching(/^this token is read-only; .*role operate/) });
    expect((await get(`/api/v1/projects/${A()}`, B_READ)).status).toBe(403);
  });

  it('revocation and expiry take effect without a restart', async () => {
    const pid = f.daemon?.child.pid;
    const short = await createToken(['--project', A(), '--role', 'read', '--expires', '20s']);
    expect((await get(`/api/v1/projects/${A()}`, short)).status).toBe(200);

    const ls = await runSpin(['token', 'ls', '--config', f.configFile, '--json']);
    const listed = JSON.parse(ls.stdout) as { id: string; name?: string }[];
    expect(ls.stdout).not.toContain(tokenA);
    expect(listed.map((t) => t.name)).toContain('a-ops');
    const revoke = await runSpin(['token', 'revoke', 'a-ops', '--config', f.configFile]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await get(`/api/v1/projects/${A()}`, tokenA)).status).toBe(401);

    const expired = await waitFor(() => get(`/api/v1/projects/${A()}`, short), {
      until: (r) => r.status === 401,
      timeoutMs: 90_000,
      intervalMs: 1000,
      description: 'the 20s token refused after it expired',
    });
    expect(expired.body).toEqual({ error: expect.stringMatching(/^this token expired at /) });
    expect(f.daemon?.child.pid).toBe(pid);
    expect(f.daemon?.child.exitCode ?? null).toBeNull();
  });
});
