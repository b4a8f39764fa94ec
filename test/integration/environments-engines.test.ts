/**
 * Environments on two engines (issue 15, "one project, `dev` on one engine and `prod` on
 * another"): the real daemon, the real git smart-HTTP server, the host's dockerd for `dev` and a
 * second dockerd in its own network namespace (test/helpers/extra-engine.ts, TCP with TLS client
 * certificates) for `prod`, each with its own `env` over the project's. A commit on main deploys to
 * dev only; `spin promote` fast-forwards production and prod converges on its own engine with its
 * own env; a commit that failed in dev (never healthy, rolled back) is refused for promotion and
 * prod keeps running; stopping prod's engine makes only prod EngineUnavailable (dev still deploys
 * and a promotion still moves the branch), and prod converges to the promoted commit when its
 * engine is back.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { docker, listProjectContainers, removeProject, waitFor } from '../helpers/docker.js';
import { startExtraEngine, type ExtraEngine } from '../helpers/extra-engine.js';
import { lsRemote } from '../helpers/git-server.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import {
  HARDENING,
  LIMITS,
  projectFixture,
  waitStatusNote,
  type ProjectFixture,
  operateTokenApi,
} from '../helpers/project-fixture.js';
import { promoteDevToProd, runSpin, type CliResult } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

let lab: ExtraEngine | undefined;
let f: ProjectFixture;
let dev: string;
let prod: string;
/** Commits of main, in push order. */
let v1: string;
let v2: string;
let bad: string;
/** `spin status --config` before the daemon ever ran. */
let beforeStart: CliResult;
/** A token scoped to the project (role operate): it must reach the project's environments. */
const TOKEN = `spin-test-${randomBytes(16).toString('hex')}`;

/**
 * One busybox sleeper whose environment says which commit (MARK) and which environment (STAGE,
 * TIER: interpolated from the environment's `env`) it runs. `neverHealthy`: a healthcheck that
 * always fails, so the rollout of that commit fails and is rolled back.
 */
const stack = (mark: string, options: { neverHealthy?: boolean } = {}) => `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: { MARK: "${mark}", STAGE: "\${STAGE}", TIER: "\${TIER}" }
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${
  options.neverHealthy
    ? '    healthcheck: { test: ["CMD", "false"], interval: 1s, timeout: 5s, retries: 2 }\n'
    : ''
}${HARDENING}`;

interface Running {
  name: string;
  state: string;
  commit: string;
  env: string[];
}

/** A unit's containers on the host engine: name, state, commit label and environment. */
async function onHost(unit: string): Promise<Running[]> {
  const list = await listProjectContainers(unit);
  return Promise.all(
    list.map(async (c) => ({
      name: c.name,
      state: c.state,
      commit: c.labels['spin.commit'] ?? '',
      env: (await docker().getContainer(c.id).inspect()).Config.Env ?? [],
    })),
  );
}

/** The same on the second engine, through its own unix socket. */
async function onLab(unit: string): Promise<Running[]> {
  const engine = lab as ExtraEngine;
  const ids = (await engine.docker(['ps', '-aq', '--filter', `label=spin.project=${unit}`]))
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse(await engine.docker(['inspect', ...ids])) as {
    Name: string;
    State: { Status: string };
    Config: { Env?: string[]; Labels?: Record<string, string> };
  }[];
  return inspected
    .map((c) => ({
      name: c.Name.replace(/^\//, ''),
      state: c.State.Status,
      commit: c.Config.Labels?.['spin.commit'] ?? '',
      env: c.Config.Env ?? [],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What a list of containers runs, as `name state commit MARK STAGE TIER`. */
const runs = (list: Running[]) =>
  list.map((c) => {
    const value = (key: string) => c.env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
    return `${c.name} ${c.state} ${c.commit} ${value('MARK')} ${value('STAGE')} ${value('TIER')}`;
  });

const productionHead = async () => (await lsRemote(f.server.repoUrl(f.project)))['refs/heads/production'];

const converged = (commit: string) => (s: ProjectStatus) =>
  s.appliedCommit === commit && s.health === 'Healthy' && s.sync === 'Synced' && s.lastError === undefined;

const promote = (...args: string[]) =>
  promoteDevToProd(f.project, { apiUrl: f.daemon?.apiUrl ?? '', token: TOKEN }, ...args);

beforeAll(async () => {
  lab = await startExtraEngine();
  f = await projectFixture('envng');
  dev = `${f.project}--dev`;
  prod = `${f.project}--prod`;
  v1 = await f.push({ 'compose.yaml': stack('v1') }, 'v1');
  await f.repo.git(['push', '--quiet', 'origin', 'main:production']);
  await f.writeConfig({
    ...f.config,
    engines: { host: { host: 'unix:///var/run/docker.sock' }, lab: { host: lab.tcp, tls: lab.tls } },
    defaultEngine: 'host',
    api: await operateTokenApi(f, TOKEN),
    projects: [
      {
        name: f.project,
        repo: f.server.repoUrl(f.project),
        env: { STAGE: 'unset', TIER: 'science' },
        environments: {
          dev: { env: { STAGE: 'dev' } },
          prod: { branch: 'production', engine: 'lab', env: { STAGE: 'prod' } },
        },
      },
    ],
  });
  // Before any pass, `spin status` already shows the environments as such.
  beforeStart = await runSpin(['status', '--config', f.configFile]);
  await f.startDaemon();
}, 300_000);

afterAll(async () => {
  await f?.cleanup();
  for (const unit of [dev, prod]) if (unit) await removeProject(unit);
  await lab?.remove();
}, 180_000);

describe('dev on the host engine, prod on a second engine', () => {
  it('each environment runs on its own engine with its own env; status and API carry the environment', async () => {
    expect(beforeStart.code, beforeStart.stderr).toBe(0);
    expect(beforeStart.stdout).toMatch(new RegExp(`^${f.project}/dev\\s+Unknown\\s+Unknown`, 'm'));
    expect(beforeStart.stdout).toMatch(new RegExp(`^${f.project}/prod\\s+Unknown\\s+Unknown`, 'm'));

    const devStatus = await f.waitStatusOf(dev, converged(v1), 'dev deployed v1', 180_000);
    const prodStatus = await f.waitStatusOf(prod, converged(v1), 'prod deployed v1', 180_000);
    expect(devStatus).toMatchObject({ engine: 'host', environment: { project: f.project, name: 'dev' } });
    expect(prodStatus).toMatchObject({ engine: 'lab', environment: { project: f.project, name: 'prod' } });

    expect(runs(await onHost(dev))).toEqual([`${dev}_app_1 running ${v1} v1 dev science`]);
    expect(runs(await onLab(prod))).toEqual([`${prod}_app_1 running ${v1} v1 prod science`]);
    expect(await onHost(prod)).toEqual([]);
    expect(await onLab(dev)).toEqual([]);

    // `spin status --json` from the daemon, as the docs say: internal name plus the environment.
    const listed = await runSpin(['status', '--server', f.daemon?.apiUrl ?? '', '--json'], {
      env: { SPIN_TOKEN: TOKEN },
    });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as ProjectStatus[];
    expect(rows.map((r) => [r.project, r.environment, r.engine])).toEqual([
      [dev, { project: f.project, name: 'dev' }, 'host'],
      [prod, { project: f.project, name: 'prod' }, 'lab'],
    ]);
    // The table names them `<project>/<env>` (their state may blink on a failed git poll).
    const table = (await runSpin(['status', '--config', f.configFile])).stdout;
    expect(table).toMatch(new RegExp(`^${f.project}/dev\\s`, 'm'));
    expect(table).toMatch(new RegExp(`^${f.project}/prod\\s`, 'm'));
    expect(table).not.toContain(`${f.project}--`);

    // The API under the internal name: prod's containers are the second engine's.
    const one = await callApi<{ status: ProjectStatus; containers: { name: string }[] }>(
      f.daemon?.apiUrl ?? '',
      'GET',
      `/api/v1/projects/${prod}`,
      { token: TOKEN },
    );
    expect(one.status).toBe(200);
    expect(one.body.status.environment).toEqual({ project: f.project, name: 'prod' });
    expect(one.body.containers.map((c) => c.name)).toEqual([`${prod}_app_1`]);
    // Every CLI command takes `<project>/<env>`.
    const synced = await runSpin(
      ['sync', `${f.project}/prod`, '--server', f.daemon?.apiUrl ?? '', '--token', TOKEN, '--json'],
      { timeoutMs: 180_000 },
    );
    expect(synced.code, synced.stderr).toBe(0);
    expect((JSON.parse(synced.stdout) as { status: ProjectStatus }).status).toMatchObject({
      project: prod,
      engine: 'lab',
      appliedCommit: v1,
    });
    // Each environment's commit status has its own context.
    await waitStatusNote(f, v1, `spin/${f.project}/dev`, (e) => e.state === 'success', 120_000);
    await waitStatusNote(f, v1, `spin/${f.project}/prod`, (e) => e.state === 'success', 120_000);
  }, 400_000);

  it('a commit on main deploys to dev only', async () => {
    v2 = await f.push({ 'compose.yaml': stack('v2') }, 'v2');
    await f.waitStatusOf(dev, converged(v2), 'dev deployed v2', 180_000);
    expect(runs(await onHost(dev))).toEqual([`${dev}_app_1 running ${v2} v2 dev science`]);
    // production did not move, so prod has nothing to do: still v1, on its engine only.
    expect(await productionHead()).toBe(v1);
    expect(await f.statusOf(prod)).toMatchObject({ desiredCommit: v1, appliedCommit: v1 });
    expect(runs(await onLab(prod))).toEqual([`${prod}_app_1 running ${v1} v1 prod science`]);
    expect(await onHost(prod)).toEqual([]);
    expect(await onLab(dev)).toEqual([]);
  }, 300_000);

  it('refuses to promote a commit that failed in dev, saying why; prod keeps running', async () => {
    bad = await f.push({ 'compose.yaml': stack('v3', { neverHealthy: true }) }, 'v3 never healthy');
    const failed = await f.waitStatusOf(
      dev,
      (s) => s.failedCommit?.commit === bad && s.appliedCommit === v2,
      'dev rolled the never-healthy commit back',
      240_000,
    );
    expect(failed.health).toBe('Degraded');
    const note = await waitStatusNote(f, bad, `spin/${f.project}/dev`, (e) => e.state === 'failure', 120_000);
    expect(note.description).toMatch(/^rolled back: /);
    await waitFor(() => onHost(dev), {
      until: (list) => runs(list).join() === `${dev}_app_1 running ${v2} v2 dev science`,
      timeoutMs: 120_000,
      description: 'dev runs v2 again',
    });

    const refused = await promote(bad.slice(0, 10));
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    const answer = JSON.parse(refused.stdout) as { promoted: boolean; error: string };
    expect(answer.promoted).toBe(false);
    expect(answer.error).toContain(`commit ${bad.slice(0, 12)} failed in ${f.project}/dev (`);
    expect(answer.error).toMatch(/unhealthy|did not become healthy|rolled back/);
    expect(answer.error).toContain(`only a commit deployed healthy in ${f.project}/dev can be promoted`);
    // The plain output says the same on stderr.
    const plain = await runSpin(
      ['promote', f.project, bad, '--from', 'dev', '--to', 'prod', '--server', f.daemon?.apiUrl ?? ''],
      { env: { SPIN_TOKEN: TOKEN } },
    );
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`failed in ${f.project}/dev`);

    expect(await productionHead()).toBe(v1);
    expect(await f.statusOf(prod)).toMatchObject({ appliedCommit: v1, health: 'Healthy' });
    expect(runs(await onLab(prod))).toEqual([`${prod}_app_1 running ${v1} v1 prod science`]);
  }, 400_000);

  it('promotes the newest healthy commit: production fast-forwards, prod converges on its engine with its env', async () => {
    const promoted = await promote();
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout)).toEqual({
      promoted: true,
      commit: v2,
      from: `${f.project}/dev`,
      to: `${f.project}/prod`,
      branch: 'production',
      previous: v1,
      created: false,
    });
    expect(await productionHead()).toBe(v2);
    await f.waitStatusOf(prod, converged(v2), 'prod deployed the promoted commit', 180_000);
    await waitFor(() => onLab(prod), {
      until: (list) => runs(list).join() === `${prod}_app_1 running ${v2} v2 prod science`,
      timeoutMs: 120_000,
      description: 'prod runs v2 on the second engine',
    });
    expect(await onHost(prod)).toEqual([]);
    // Dev was not touched by the promotion.
    expect(runs(await onHost(dev))).toEqual([`${dev}_app_1 running ${v2} v2 dev science`]);

    // Prod's history says where the commit came from.
    const history = await callApi<{ events: { kind: string; message: string }[] }>(
      f.daemon?.apiUrl ?? '',
      'GET',
      `/api/v1/projects/${prod}/history`,
      { token: TOKEN },
    );
    expect(history.status).toBe(200);
    expect(history.body.events).toContainEqual(
      expect.objectContaining({
        kind: 'promoted',
        message: `promoted ${v2.slice(0, 12)} from ${f.project}/dev`,
      }),
    );
  }, 400_000);

  it("prod's engine down: only prod is EngineUnavailable; dev deploys and promotion still moves the branch; prod converges when the engine is back", async () => {
    const engine = lab as ExtraEngine;
    await engine.stop();
    const down = await f.waitStatusOf(
      prod,
      (s) => s.lastError?.reason === 'EngineUnavailable',
      'prod EngineUnavailable',
      180_000,
    );
    expect(down.lastError?.message).toMatch(/^lab: /);
    const table = (await runSpin(['status', '--config', f.configFile])).stdout;
    expect(table).toMatch(new RegExp(`^${f.project}/prod\\s.*EngineUnavailable: lab: `, 'm'));

    // Dev is not affected: a new commit deploys there, healthy.
    const v4 = await f.push({ 'compose.yaml': stack('v4') }, 'v4');
    const devNow = await f.waitStatusOf(dev, converged(v4), 'dev deployed v4 while prod is down', 180_000);
    expect(devNow.engine).toBe('host');
    expect(runs(await onHost(dev))).toEqual([`${dev}_app_1 running ${v4} v4 dev science`]);
    const healthz = await callApi(f.daemon?.apiUrl ?? '', 'GET', '/healthz');
    expect(healthz.status).toBe(200);

    // Promotion needs git only: production moves; prod deploys it once its engine answers.
    const promoted = await promote(v4);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ promoted: true, commit: v4, previous: v2 });
    expect(await productionHead()).toBe(v4);
    const stillDown = await f.waitStatusOf(
      prod,
      (s) => s.desiredCommit === v4 && s.lastError?.reason === 'EngineUnavailable',
      'prod wants v4 but its engine is down',
      180_000,
    );
    expect(stillDown.appliedCommit).toBe(v2);
    // The commit that waits for the engine says so on its own commit status.
    const waiting = await waitStatusNote(
      f,
      v4,
      `spin/${f.project}/prod`,
      (e) => e.state === 'error',
      120_000,
    );
    expect(waiting.description).toMatch(/^Spin could not act: lab: /);
    expect((await f.statusOf(dev))?.health).toBe('Healthy');

    await engine.start();
    await f.waitStatusOf(prod, converged(v4), 'prod converged to v4 with its engine back', 240_000);
    await waitFor(() => onLab(prod), {
      until: (list) => runs(list).join() === `${prod}_app_1 running ${v4} v4 prod science`,
      timeoutMs: 120_000,
      description: 'prod runs v4 on the second engine',
    });
    expect(await onHost(prod)).toEqual([]);
    expect(await f.statusOf(dev)).toMatchObject({ appliedCommit: v4, health: 'Healthy' });
    await waitStatusNote(f, v4, `spin/${f.project}/prod`, (e) => e.state === 'success', 120_000);
  }, 600_000);
});
