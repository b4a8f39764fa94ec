/**
 * Environments and `spin promote` on the real daemon, the real git smart-HTTP server and the real
 * dockerd: one project with `dev` (branch main) and `prod` (branch production), both on the host
 * engine, so this also shows that two environments of one project never share a container name.
 * A commit deployed healthy in dev is promoted (a fast-forward push of production) and prod
 * deploys it; a commit that failed in dev is refused and prod keeps running what it ran.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, removeProject, requireDocker } from '../helpers/docker.js';
import { lsRemote } from '../helpers/git-server.js';
import {
  markedStack,
  projectFixture,
  waitStatusNote,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';

let f: ProjectFixture;
let dev: string;
let prod: string;
let first: string;
/** A token scoped to the project (role operate): it must reach the project's environments. */
const TOKEN = `spin-test-${randomBytes(16).toString('hex')}`;

const productionHead = async () => (await lsRemote(f.server.repoUrl(f.project)))['refs/heads/production'];
const marks = async (unit: string) =>
  (await listProjectContainers(unit)).map((c) => `${c.name} ${c.state} ${c.labels['spin.commit'] ?? ''}`);
const promote = (...args: string[]) =>
  runSpin([
    'promote',
    f.project,
    '--from',
    'dev',
    '--to',
    'prod',
    ...args,
    '--server',
    f.daemon!.apiUrl,
    '--token',
    TOKEN,
    '--json',
  ]);

beforeAll(async () => {
  await requireDocker();
  f = await projectFixture('envs', {
    project: { environments: { dev: {}, prod: { branch: 'production', env: { STAGE: 'prod' } } } },
  });
  dev = `${f.project}--dev`;
  prod = `${f.project}--prod`;
  first = await f.push({ 'compose.yaml': markedStack('v1') }, 'v1');
  await f.repo.git(['push', '--quiet', 'origin', 'main:production']);
  const tokenFile = path.join(f.tmp, 'operate.token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  await f.writeConfig({
    ...f.config,
    api: { tokens: [{ file: tokenFile, projects: [f.project], role: 'operate' }] },
  });
  await f.startDaemon();
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
  for (const unit of [dev, prod]) if (unit) await removeProject(unit);
});

describe('environments', () => {
  it('reconciles each environment as its own unit, shown as <project>/<env>', async () => {
    for (const unit of [dev, prod]) {
      await f.waitStatusOf(
        unit,
        (s) => s.appliedCommit === first && s.health === 'Healthy' && s.sync === 'Synced',
        `${unit} deployed v1`,
        120_000,
      );
    }
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
});
