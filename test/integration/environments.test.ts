/**
 * Environments and `spin promote` on the real daemon, the real git smart-HTTP server and the real
 * dockerd: one project with `dev` (branch main) and `prod` (branch production, its own stricter
 * policy), both on the host engine, so this also shows that two environments of one project never
 * share a container name. `production` does not exist at first: the first promotion creates it
 * and prod converges. A commit deployed healthy in dev is promoted (a fast-forward push of
 * production) and prod deploys it; a commit that failed in dev, and one healthy in dev that
 * prod's policy refuses, are refused and prod keeps running what it ran.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { listProjectContainers, removeProject, requireDocker } from '../helpers/docker.js';
import { lsRemote } from '../helpers/git-server.js';
import {
  markedStack,
  projectFixture,
  waitStatusNote,
  type ProjectFixture,
  operateTokenApi,
} from '../helpers/project-fixture.js';
import { promoteDevToProd, runSpin } from '../helpers/spin-cli.js';

let f: ProjectFixture;
let dev: string;
let prod: string;
let first: string;
/** A token scoped to the project (role operate): it must reach the project's environments. */
const TOKEN = `spin-test-${randomBytes(16).toString('hex')}`;

/** Prod's policy allows only the busybox image; dev's (the default) allows any registry. */
const PROD_POLICY = 'prod-strict';

const productionHead = async () => (await lsRemote(f.server.repoUrl(f.project)))['refs/heads/production'];
const marks = async (unit: string) =>
  (await listProjectContainers(unit)).map((c) => `${c.name} ${c.state} ${c.labels['spin.commit'] ?? ''}`);
const promote = (...args: string[]) =>
  promoteDevToProd(f.project, { apiUrl: f.daemon!.apiUrl, token: TOKEN }, ...args);

beforeAll(async () => {
  await requireDocker();
  f = await projectFixture('envs', {
    project: {
      environments: {
        dev: {},
        prod: { branch: 'production', env: { STAGE: 'prod' }, policy: PROD_POLICY },
      },
    },
    config: { policies: { [PROD_POLICY]: { images: { registries: ['docker.io/spin-test/busybox'] } } } },
  });
  dev = `${f.project}--dev`;
  prod = `${f.project}--prod`;
  // Only main: production is created by the first promotion.
  first = await f.push({ 'compose.yaml': markedStack('v1') }, 'v1');
  await f.writeConfig({
    ...f.config,
    api: await operateTokenApi(f, TOKEN),
  });
  await f.startDaemon();
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
  for (const unit of [dev, prod]) if (unit) await removeProject(unit);
});

describe('environments', () => {
  it('the first promotion creates the target branch at the commit; both environments run it, each as its own unit', async () => {
    await f.waitStatusOf(
      dev,
      (s) => s.appliedCommit === first && s.health === 'Healthy' && s.sync === 'Synced',
      `${dev} deployed v1`,
      120_000,
    );
    // Prod's branch is not there yet: prod says so and deploys nothing.
    await f.waitStatusOf(
      prod,
      (s) => (s.lastError?.message ?? '').includes("branch 'production' not found"),
      'prod reports its missing branch',
      120_000,
    );
    expect(await productionHead()).toBeUndefined();
    expect(await marks(prod)).toEqual([]);

    const created = await promote();
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({
      promoted: true,
      commit: first,
      from: `${f.project}/dev`,
      to: `${f.project}/prod`,
      branch: 'production',
      previous: null,
      created: true,
    });
    expect(await productionHead()).toBe(first);
    const history = await callApi<{ events: { kind: string; message: string }[] }>(
      f.daemon!.apiUrl,
      'GET',
      `/api/v1/projects/${prod}/history`,
      { token: TOKEN },
    );
    expect(history.status).toBe(200);
    expect(history.body.events).toContainEqual(
      expect.objectContaining({
        kind: 'promoted',
        message: `promoted ${first.slice(0, 12)} from ${f.project}/dev, creating branch production`,
      }),
    );

    await f.waitStatusOf(
      prod,
      (s) => s.appliedCommit === first && s.health === 'Healthy' && s.sync === 'Synced',
      `${prod} deployed v1`,
      120_000,
    );
    expect(await marks(dev)).toEqual([`${dev}_app_1 running ${first}`]);
    expect(await marks(prod)).toEqual([`${prod}_app_1 running ${first}`]);
    const table = await runSpin(['status', '--server', f.daemon!.apiUrl], { env: { SPIN_TOKEN: TOKEN } });
    expect(table.stdout).toContain(`${f.project}/dev`);
    expect(table.stdout).toContain(`${f.project}/prod`);
    // Each environment's commit status has its own context.
    await waitStatusNote(f, first, `spin/${f.project}/dev`, (e) => e.state === 'success', 60_000);
    await waitStatusNote(f, first, `spin/${f.project}/prod`, (e) => e.state === 'success', 60_000);
  }, 240_000);

  it('promotes the newest commit deployed healthy in dev; refuses one that failed there', async () => {
    const second = await f.push({ 'compose.yaml': markedStack('v2') }, 'v2');
    await f.waitStatusOf(
      dev,
      (s) => s.appliedCommit === second && s.health === 'Healthy',
      'dev deployed v2',
      120_000,
    );
    const bad = await f.push({ 'compose.yaml': markedStack('v3', { privileged: true }) }, 'v3 (refused)');
    await f.waitStatusOf(
      dev,
      (s) => s.desiredCommit === bad && s.lastResult === 'refused',
      'dev refused the privileged commit',
      120_000,
    );

    const refused = await promote(bad);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ promoted: false });
    expect(refused.stdout).toContain(`commit ${bad.slice(0, 12)} failed in ${f.project}/dev`);
    expect(await productionHead()).toBe(first);
    // Prod keeps running what it ran.
    expect((await f.statusOf(prod))?.appliedCommit).toBe(first);
    expect(await marks(prod)).toEqual([`${prod}_app_1 running ${first}`]);

    const promoted = await promote();
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({
      promoted: true,
      commit: second,
      from: `${f.project}/dev`,
      to: `${f.project}/prod`,
      branch: 'production',
      previous: first,
      created: false,
    });
    expect(await productionHead()).toBe(second);
    await f.waitStatusOf(
      prod,
      (s) => s.appliedCommit === second && s.health === 'Healthy' && s.sync === 'Synced',
      'prod deployed the promoted commit',
      120_000,
    );
    expect(await marks(prod)).toEqual([`${prod}_app_1 running ${second}`]);

    // Promoting again: production is already there; an older healthy commit is not a fast-forward.
    const again = await promote(second);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('already at');
    const older = await promote(first);
    expect(older.code).toBe(1);
    expect(older.stdout).toContain('is not a fast-forward');
    expect(await productionHead()).toBe(second);
  }, 360_000);

  it("refuses a commit healthy in dev that prod's own policy refuses, with the located finding; production stays", async () => {
    const second = await productionHead();
    expect(second).toBeDefined();
    // Dev's policy allows any registry; prod's only the busybox image.
    const web = await f.push(
      { 'compose.yaml': markedStack('v4').replace('spin-test/busybox:1', 'spin-test/web:1') },
      'v4 (web image: fine in dev, not in prod)',
    );
    await f.waitStatusOf(
      dev,
      (s) => s.appliedCommit === web && s.health === 'Healthy',
      'dev deployed the web image',
      120_000,
    );

    const refused = await promote();
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    const answer = JSON.parse(refused.stdout) as { promoted: boolean; error: string };
    expect(answer.promoted).toBe(false);
    expect(answer.error).toContain(
      `commit ${web.slice(0, 12)} would be refused by ${f.project}/prod's gate (policy '${PROD_POLICY}'): compose.yaml:`,
    );
    expect(answer.error).toMatch(/compose\.yaml:\d+:\d+: image\.registry: image "spin-test\/web:1"/);
    expect(await productionHead()).toBe(second);
    // Prod keeps running what it ran, and was never asked to deploy the refused commit.
    const status = await f.statusOf(prod);
    expect(status).toMatchObject({ appliedCommit: second, desiredCommit: second, health: 'Healthy' });
    expect(await marks(prod)).toEqual([`${prod}_app_1 running ${second}`]);
  }, 360_000);
});
