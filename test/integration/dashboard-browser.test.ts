/**
 * The dashboard in a real headless browser (Debian chromium driven by playwright-core): badges for
 * a synced and a refused project, navigation to a project page, live refresh, no console errors,
 * and a screenshot in test-artifacts/. The server here renders fixed data; DashboardPage holds
 * every selector, so the same steps can run against the real daemon.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { watchProblems } from '../helpers/page-problems.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_HEADERS,
  renderNotFound,
  renderProjectList,
  renderProjectPage,
} from '../../src/dashboard/index.js';
import { stretch } from '../helpers/docker.js';
import type { ProjectStatus } from '../../src/status/project-status.js';
import { containersOf, historyOf, refusedStatus, syncedStatus } from '../unit/dashboard/fixtures.js';
import { DashboardPage } from '../unit/dashboard/page-object.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const REFRESH_MS = 300;

/** A stand-in for the daemon: the dashboard pages and the JSON endpoints the refresh script polls. */
interface FixtureServer {
  url: string;
  statuses: Map<string, ProjectStatus>;
  close(): Promise<void>;
}

async function startFixtureServer(initial: ProjectStatus[]): Promise<FixtureServer> {
  const statuses = new Map(initial.map((s) => [s.project, s]));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const now = Date.now();
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const page = (code: number, body: string) => {
      res.writeHead(code, DASHBOARD_HEADERS);
      res.end(body);
    };
    const name = decodeURIComponent(/^\/(?:api\/v1\/)?projects\/([^/]+)$/.exec(url.pathname)?.[1] ?? '');
    const status = statuses.get(name);
    if (url.pathname === '/')
      page(200, renderProjectList([...statuses.values()], { now, refreshMs: REFRESH_MS }));
    else if (url.pathname === '/api/v1/projects') json(200, { projects: [...statuses.values()] });
    else if (url.pathname.startsWith('/api/v1/projects/'))
      json(status ? 200 : 404, status ?? { error: `unknown project '${name}'` });
    else if (url.pathname.startsWith('/projects/') && status)
      page(
        200,
        renderProjectPage(status, containersOf(status), historyOf(status, now), undefined, {
          now,
          refreshMs: REFRESH_MS,
        }),
      );
    else page(404, renderNotFound(name));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('dashboard in a headless browser', () => {
  let server: FixtureServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const now = Date.now();
    server = await startFixtureServer([syncedStatus(now), refusedStatus(now)]);
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
    await server?.close();
  });

  it('lists both projects with the right badges, opens a project page, and refreshes itself', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchProblems(page);
    const dash = new DashboardPage(page, server.url);

    await dash.openList();
    expect(await dash.projectNames()).toEqual(['gateway-a', 'gateway-b']);
    expect(await dash.cellText('gateway-a', 'sync')).toBe('Sync: Synced');
    expect(await dash.cellText('gateway-a', 'health')).toBe('Health: Healthy');
    expect(await dash.cellText('gateway-a', 'error')).toBe('none');
    expect(await dash.cellText('gateway-b', 'sync')).toBe('Sync: OutOfSync');
    expect(await dash.cellText('gateway-b', 'health')).toBe('Health: Healthy');
    expect(await dash.cellText('gateway-b', 'error')).toMatch(
      /^InvalidCommit .*<script>alert\("pwned"\)<\/script>/,
    );
    expect(await dash.cellText('gateway-b', 'commit')).toBe('0a0b0c0 head deadbee');
    expect(await dash.cellText('gateway-a', 'age')).toBe('3m ago');
    // The browser's own accessibility tree agrees with the text we read.
    await dash.cellByName('gateway-b', 'Sync: OutOfSync').waitFor();
    await dash.cellByName('gateway-a', 'Health: Healthy').waitFor();
    // The escaped error message did not become an element.
    expect(await page.locator('main script').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // The refresh script patches a row when the API's JSON changes.
    const fixed = {
      ...refusedStatus(Date.now()),
      sync: 'Synced' as const,
      appliedCommit: refusedStatus().desiredCommit,
    };
    delete fixed.lastError;
    delete fixed.refusedCommit;
    server.statuses.set('gateway-b', fixed);
    await expect
      .poll(() => dash.cellText('gateway-b', 'sync'), { timeout: stretch(10_000) })
      .toBe('Sync: Synced');
    await expect.poll(() => dash.cellText('gateway-b', 'error'), { timeout: stretch(10_000) }).toBe('none');

    await dash.openProject('gateway-a');
    expect(await dash.containerNames()).toEqual(['gateway-a_web_1', 'gateway-a_db_1']);
    expect(await dash.overviewText('gateway-a', 'sync')).toBe('Sync: Synced');
    await page.getByRole('table', { name: 'Containers Spin manages for gateway-a' }).waitFor();

    // A new pass: the badge is patched from JSON and the containers are re-rendered.
    const degraded = syncedStatus(Date.now());
    server.statuses.set('gateway-a', {
      ...degraded,
      health: 'Degraded',
      healthReason: 'gateway-a-cache-1 exited with code 1',
      services: { ...degraded.services, cache: { health: 'Degraded', reason: 'exited with code 1' } },
      lastReconcile: new Date().toISOString(),
    });
    await expect
      .poll(() => dash.overviewText('gateway-a', 'health'), { timeout: stretch(10_000) })
      .toBe('Health: Degraded gateway-a-cache-1 exited with code 1');
    await expect
      .poll(() => dash.containerNames(), { timeout: stretch(10_000) })
      .toEqual(['gateway-a_web_1', 'gateway-a_db_1', 'gateway-a_cache_1']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-project.png'), fullPage: true });

    expect(await dash.liveRegionText()).toBe('Refreshes every 300 ms.');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is usable without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const dash = new DashboardPage(page, server.url);
    await dash.openList();
    expect(await dash.cellText('gateway-a', 'sync')).toBe('Sync: Synced');
    await dash.openProject('gateway-b');
    expect(await dash.containerNames()).toEqual(['gateway-b_api_1']);
    await context.close();
  });
});
