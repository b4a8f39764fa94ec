/**
 * The dashboard of the REAL daemon in a real headless browser (Debian chromium driven by
 * playwright-core): two projects on a real git server and the real engine, one Synced/Healthy and
 * one whose head was refused by the policy. The list shows the right badges, a click opens the
 * project page with the containers the engine runs, the page refreshes itself from the daemon's
 * API, and a screenshot lands in test-artifacts/dashboard-daemon.png. The same page object as the
 * fixture-server test (dashboard-browser.test.ts) holds every selector.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { watchProblems } from '../helpers/page-problems.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, stretch } from '../helpers/docker.js';
import {
  markedStack,
  projectFixture,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { DashboardPage } from '../unit/dashboard/page-object.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const READ = 'dash-read-token-0f1e2d3c4b5a6978';

let f: ProjectFixture;
let refused: ExtraRepo;
let browser: Browser;
let good: string;
let refusedGood: string;
let refusedHead: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  f = await projectFixture('dash', { config: { api: { readToken: READ } } });
  refused = await f.addRepo('dash-refused');
  await f.writeConfig({
    ...f.config,
    projects: [...f.config.projects, { name: refused.project, repo: refused.repoUrl }],
  });
  good = await f.push({ 'compose.yaml': markedStack('good', { service: 'web' }) }, 'good');
  refusedGood = await refused.push(
    { 'compose.yaml': markedStack('before', { service: 'api' }) },
    'good first',
  );
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === good && s.health === 'Healthy', 'first project healthy');
  await f.waitStatusOf(
    refused.project,
    (s) => s.appliedCommit === refusedGood && s.health === 'Healthy',
    'second project healthy before its refused commit',
  );
  refusedHead = await refused.push(
    { 'compose.yaml': markedStack('forbidden', { service: 'api', privileged: true }) },
    'privileged',
  );
  await f.waitStatusOf(refused.project, (s) => s.refusedCommit === refusedHead, 'privileged commit refused');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await f?.cleanup();
});

describe('the dashboard of the real daemon', () => {
  it('lists a synced and a refused project with the right badges and opens their pages', async () => {
    const apiUrl = f.daemon?.apiUrl ?? '';
    // With api.readToken set, the browser is asked for Basic credentials (the token as password).
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      httpCredentials: { username: 'operator', password: READ, send: 'always' },
    });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const dash = new DashboardPage(page, apiUrl);

    await dash.openList();
    expect(await dash.projectNames()).toEqual([f.project, refused.project].sort());
    expect(await dash.cellText(f.project, 'sync')).toBe('Sync: Synced');
    expect(await dash.cellText(f.project, 'health')).toBe('Health: Healthy');
    expect(await dash.cellText(f.project, 'error')).toBe('none');
    expect(await dash.cellText(f.project, 'commit')).toBe(good.slice(0, 7));
    expect(await dash.cellText(refused.project, 'sync')).toBe('Sync: OutOfSync');
    // The last good commit keeps running: still healthy, with the refusal as the last error.
    expect(await dash.cellText(refused.project, 'health')).toMatch(/^Health: Healthy/);
    expect(await dash.cellText(refused.project, 'commit')).toBe(
      `${refusedGood.slice(0, 7)} head ${refusedHead.slice(0, 7)}`,
    );
    const error = await dash.cellText(refused.project, 'error');
    expect(error).toMatch(/^InvalidCommit /);
    expect(error).toContain('privilege.privileged');
    expect(error).toContain(`at ${refusedHead.slice(0, 7)}`);
    // The browser's accessibility tree agrees.
    await dash.cellByName(refused.project, 'Sync: OutOfSync').waitFor();
    await dash.cellByName(f.project, 'Sync: Synced').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-daemon.png'), fullPage: true });

    await dash.openProject(f.project);
    expect(await dash.containerNames()).toEqual([`${f.project}_web_1`]);
    expect(await dash.overviewText(f.project, 'sync')).toBe('Sync: Synced');
    await page.getByRole('table', { name: `Containers Spin manages for ${f.project}` }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-daemon-project.png'), fullPage: true });

    await page.goBack();
    await dash.openProject(refused.project);
    // The containers of the last good commit, as the engine runs them.
    const engine = await listProjectContainers(refused.project);
    expect(engine.map((c) => [c.name, c.labels['spin.commit']])).toEqual([
      [`${refused.project}_api_1`, refusedGood],
    ]);
    expect(await dash.containerNames()).toEqual([`${refused.project}_api_1`]);
    expect(await dash.overviewText(refused.project, 'sync')).toBe('Sync: OutOfSync');
    expect(await dash.overviewText(refused.project, 'error')).toMatch(
      /^InvalidCommit .*privilege\.privileged/,
    );

    // A fixed commit: the open page follows the daemon (JSON poll, then a fresh <main>).
    const fixed = await refused.push({ 'compose.yaml': markedStack('fixed', { service: 'api' }) }, 'fixed');
    await expect
      .poll(() => dash.overviewText(refused.project, 'sync'), { timeout: stretch(30_000), interval: 500 })
      .toBe('Sync: Synced');
    await expect
      .poll(() => dash.overviewText(refused.project, 'error'), { timeout: stretch(15_000), interval: 500 })
      .toBe('none');
    await expect
      .poll(() => dash.overviewText(refused.project, 'commit'), { timeout: stretch(15_000), interval: 500 })
      .toBe(fixed.slice(0, 7));
    expect(await dash.containerNames()).toEqual([`${refused.project}_api_1`]);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('works the way a browser answering the Basic challenge uses it (refresh requests included)', async () => {
    // No credentials sent up front: the daemon's 401 challenge makes chromium answer with them.
    const context = await browser.newContext({ httpCredentials: { username: 'operator', password: READ } });
    const page = await context.newPage();
    const dash = new DashboardPage(page, f.daemon?.apiUrl ?? '');
    await dash.openList();
    expect(await dash.cellText(f.project, 'sync')).toBe('Sync: Synced');
    // The refresh script's request, as it makes it: same-origin credentials are reused.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/v1/projects', { credentials: 'same-origin', cache: 'no-store' });
      return res.status;
    });
    expect(status).toBe(200);
    await context.close();
  });
});
