/**
 * Promotion cannot carry an unsigned commit past production's signing rule, on the real daemon,
 * git smart-HTTP server and dockerd. `dev` deploys every commit of main; `prod` (branch
 * production) deploys only commits signed by the maintainer's key (`trust.keys` of the
 * environment). An unsigned commit healthy in dev is refused by `spin promote` with the gate's
 * reason, and production is not even created; a signed one is promoted and prod runs it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers, removeProject, requireDocker } from '../helpers/docker.js';
import { lsRemote } from '../helpers/git-server.js';
import { makeKey, pushSigned, type TestKey } from '../helpers/pgp.js';
import {
  markedStack,
  projectFixture,
  type ProjectFixture,
  operateTokenApi,
} from '../helpers/project-fixture.js';
import { promoteDevToProd } from '../helpers/spin-cli.js';

let f: ProjectFixture;
let maintainer: TestKey;
let dev: string;
let prod: string;
const TOKEN = `spin-test-${randomBytes(16).toString('hex')}`;

const productionHead = async () => (await lsRemote(f.server.repoUrl(f.project)))['refs/heads/production'];
const promote = (...args: string[]) =>
  promoteDevToProd(f.project, { apiUrl: f.daemon!.apiUrl, token: TOKEN }, ...args);
const devRuns = (commit: string, what: string) =>
  f.waitStatusOf(
    dev,
    (s) => s.appliedCommit === commit && s.health === 'Healthy' && s.sync === 'Synced',
    what,
    120_000,
  );

beforeAll(async () => {
  await requireDocker();
  maintainer = await makeKey('Maintainer');
  f = await projectFixture('promsig', {
    project: {
      environments: {
        dev: {},
        prod: { branch: 'production', trust: { keys: [maintainer.armoredPublic] } },
      },
    },
  });
  dev = `${f.project}--dev`;
  prod = `${f.project}--prod`;
  await f.writeConfig({
    ...f.config,
    api: await operateTokenApi(f, TOKEN),
  });
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
  for (const unit of [dev, prod]) if (unit) await removeProject(unit);
});

describe("promotion and prod's signing rule", () => {
  it('refuses an unsigned commit healthy in dev, then promotes a signed one', async () => {
    const unsigned = await f.push({ 'compose.yaml': markedStack('v1') }, 'v1, unsigned');
    await f.startDaemon();
    await devRuns(unsigned, 'dev deployed the unsigned commit (dev has no signing rule)');

    const refused = await promote();
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    const answer = JSON.parse(refused.stdout) as { promoted: boolean; error: string };
    expect(answer.promoted).toBe(false);
    expect(answer.error).toContain(
      `commit ${unsigned.slice(0, 12)} would be refused by ${f.project}/prod's gate`,
    );
    expect(answer.error).toContain(`it is not signed as ${f.project}/prod requires`);
    // Not even created: production never points at a commit prod would refuse.
    expect(await productionHead()).toBeUndefined();
    expect(await listProjectContainers(prod)).toEqual([]);

    const signed = await pushSigned(f.repo, maintainer, { 'compose.yaml': markedStack('v2') }, 'v2, signed');
    await devRuns(signed, 'dev deployed the signed commit');
    const promoted = await promote();
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ promoted: true, commit: signed, created: true });
    expect(await productionHead()).toBe(signed);
    await f.waitStatusOf(
      prod,
      (s) => s.appliedCommit === signed && s.health === 'Healthy' && s.sync === 'Synced',
      'prod deployed the signed commit',
      120_000,
    );
    const running = (await listProjectContainers(prod)).map((c) => `${c.state} ${c.labels['spin.commit']}`);
    expect(running).toEqual([`running ${signed}`]);
  }, 360_000);
});
