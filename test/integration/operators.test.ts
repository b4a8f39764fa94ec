import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { listProjectContainers, waitFor } from '../helpers/docker.js';
import {
  markedStack,
  projectFixture,
  type ExtraRepo,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { runSpin, type RunningDaemon } from '../helpers/spin-cli.js';
import { parseExposition, sampleValue } from '../unit/metrics/exposition.js';
import type { ProjectStatus } from '../../src/status/project-status.js';
import type { PassRecord } from '../../src/store/types.js';

/**
 * The operators' view of the real `spin daemon`: the CLI over the API (status, history, sync,
 * suspend, resume, rollback), Prometheus metrics, the bounded history across a restart, config
 * reload, and the logs (one line per pass and per action, no secrets).
 */
const READ = 'ops-read-token-5f1e2d3c4b5a6978';
const WRITE = 'ops-write-token-8a7b6c5d4e3f2a1b';
const WEBHOOK_SECRET = 'ops-webhook-secret-1b2c3d4e5f60718293';

let f: ProjectFixture;
let api: string;
let one: string;
let two: string;
/** The logs of daemons already stopped (the fixture's daemon is replaced on restart). */
const earlierOutput: string[] = [];
const earlierLogs: Record<string, unknown>[] = [];

const daemon = (): RunningDaemon => {
  if (!f.daemon) throw new Error('no daemon');
  return f.daemon;
};
/** `spin <args> --server <api> --token <token>`. */
const spin = (args: string[], token = WRITE) => runSpin([...args, '--server', api, '--token', token]);
const spinJsonOk = async <T>(args: string[], token = WRITE): Promise<T> => {
  const result = await spin([...args, '--json'], token);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
};
const history = async (limit = 500) =>
  (
    await callApi<{ passes: PassRecord[] }>(
      api,
      'GET',
      `/api/v1/projects/${f.project}/history?limit=${limit}`,
      { token: READ },
    )
  ).body.passes;
const apiStatuses = async () =>
  (await callApi<{ projects: ProjectStatus[] }>(api, 'GET', '/api/v1/projects', { token: READ })).body
    .projects;
const scrape = async () => {
  const res = await callApi(api, 'GET', '/metrics', { token: READ });
  expect(res.status).toBe(200);
  return parseExposition(res.text);
};

beforeAll(async () => {
  f = await projectFixture('ops', {
    project: { webhookSecret: WEBHOOK_SECRET },
    config: {
      api: { readToken: READ, writeToken: WRITE },
      history: { maxPassesPerProject: 10 },
    },
  });
  one = await f.push({ 'compose.yaml': markedStack('one') }, 'one');
  api = (await f.startDaemon()).apiUrl;
  await f.waitStatus((s) => s.appliedCommit === one && s.health === 'Healthy', 'first commit healthy');
});

afterAll(() => f?.cleanup());

describe('the CLI over the API', () => {
  it('spin status --server --token prints a table, or JSON', async () => {
    const human = await spin(['status'], READ);
    expect(human.code, human.stderr).toBe(0);
    const [header, row] = human.stdout.trim().split('\n');
    expect(header).toMatch(/^PROJECT\s+SYNC\s+HEALTH\s+DESIRED\s+APPLIED\s+RECONCILED\s+LAST ERROR$/);
    expect(row).toMatch(
      new RegExp(`^${f.project}\\s+Synced\\s+Healthy\\s+${one.slice(0, 12)}\\s+${one.slice(0, 12)}`),
    );
    const json = await spinJsonOk<ProjectStatus[]>(['status'], READ);
    expect(json).toEqual([
      expect.objectContaining({ project: f.project, sync: 'Synced', appliedCommit: one }),
    ]);
  });

  it('takes the token from SPIN_TOKEN, and says so when it is missing or wrong', async () => {
    const fromEnv = await runSpin(['status', '--server', api], { env: { SPIN_TOKEN: READ } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain(f.project);
    const missing = await runSpin(['status', '--server', api], { env: { SPIN_TOKEN: '' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('401 missing bearer token');
    const readOnly = await spin(['sync', f.project], READ);
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toContain('403 this token is read-only');
  });

  it('spin history lists the passes, newest first', async () => {
    const human = await spin(['history', f.project], READ);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+PASS\s+COMMIT\s+RESULT\s+SYNC\s+HEALTH\s+ACTIONS\s+TOOK\s+ERROR$/);
    expect(lines.some((l) => new RegExp(`${one.slice(0, 12)}\\s+applied\\s+Synced`).test(l))).toBe(true);
    const json = await spinJsonOk<{ passes: PassRecord[] }>(['history', f.project], READ);
    expect(json.passes.find((p) => p.result === 'applied')).toMatchObject({
      commit: one,
      project: f.project,
    });
    const ids = json.passes.map((p) => p.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('spin sync runs a pass, shows progress and the result', async () => {
    const human = await spin(['sync', f.project]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toContain(`syncing ${f.project}...`);
    expect(human.stdout).toMatch(/^0 actions applied\n/);
    expect(human.stdout).toContain(f.project);
    const json = await spinJsonOk<{ status: ProjectStatus; actions: number }>(['sync', f.project]);
    expect(json).toMatchObject({ actions: 0, status: { project: f.project, sync: 'Synced' } });
  });

  it('spin suspend and spin resume change and show the suspension', async () => {
    const suspended = await spin(['suspend', f.project]);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(suspended.stdout).toMatch(new RegExp(`${f.project}\\s+Synced \\(suspended\\)`));
    const status = await spinJsonOk<ProjectStatus[]>(['status'], READ);
    expect(status[0]?.suspended).toBe(true);
    const resumed = await spinJsonOk<{ status: ProjectStatus }>(['resume', f.project]);
    expect(resumed.status.suspended).toBe(false);
    const after = await spin(['status'], READ);
    expect(after.stdout).not.toContain('(suspended)');
  });

  it('spin rollback runs the previous healthy commit, or a given one; an unknown one exits 1', async () => {
    two = await f.push({ 'compose.yaml': markedStack('two') }, 'two');
    await f.waitStatus((s) => s.appliedCommit === two && s.health === 'Healthy', 'two healthy');

    const back = await spin(['rollback', f.project]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain(`rolling ${f.project} back...`);
    expect(back.stdout).toMatch(new RegExp(`^running ${one.slice(0, 12)} \\(\\d+ actions?\\)\n`));
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.commit'])).toEqual([one]);

    const forward = await spinJsonOk<{ commit: string; status: ProjectStatus }>([
      'rollback',
      f.project,
      two.slice(0, 8),
    ]);
    expect(forward.commit).toBe(two);
    expect(forward.status.appliedCommit).toBe(two);
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.commit'])).toEqual([two]);

    const unknown = await spin(['rollback', f.project, 'abcdef0123456']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('409 commit abcdef0123456 was never deployed healthy here');
  });

  it('an unknown project exits 1; an unreachable daemon exits 2', async () => {
    const unknown = await spin(['history', 'no-such-project'], READ);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("404 unknown project 'no-such-project'");
    for (const args of [['status'], ['history', f.project], ['sync', f.project], ['rollback', f.project]]) {
      const result = await runSpin([...args, '--server', 'http://127.0.0.1:1', '--token', WRITE]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('cannot reach the daemon at http://127.0.0.1:1');
    }
  });
});

describe('metrics', () => {
  it('/metrics parses as Prometheus text and the pass counters move on a sync', async () => {
    const labels = { project: f.project };
    const before = await scrape();
    const passes = (m: typeof before) =>
      sampleValue(m, 'spin_reconcile_passes_total', { ...labels, result: 'converged' }) ?? 0;
    const count = (m: typeof before) =>
      sampleValue(m, 'spin_reconcile_duration_seconds', labels, 'spin_reconcile_duration_seconds_count') ?? 0;

    const sync = await callApi(api, 'POST', `/api/v1/projects/${f.project}/sync`, {
      token: WRITE,
      body: {},
    });
    expect(sync.status).toBe(200);
    const after = await scrape();
    expect(passes(after)).toBeGreaterThanOrEqual(passes(before) + 1);
    expect(count(after)).toBeGreaterThanOrEqual(count(before) + 1);

    // The other families the issue names are there, prefixed spin_.
    for (const name of [
      'spin_actions_total',
      'spin_drift_repairs_total',
      'spin_git_poll_duration_seconds',
      'spin_git_poll_errors_total',
      'spin_managed_containers',
      'spin_commit_status_deliveries_total',
      'spin_rollbacks_total',
      'spin_project_status',
    ]) {
      expect(after.has(name), name).toBe(true);
    }
    expect(sampleValue(after, 'spin_managed_containers', { ...labels, state: 'running' })).toBe(1);
    // The two operator rollbacks of `spin rollback`, each counted once.
    expect(sampleValue(after, 'spin_rollbacks_total', labels)).toBe(2);
    expect(
      sampleValue(after, 'spin_actions_total', { ...labels, kind: 'recreate', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, 'spin_project_status', { ...labels, sync: 'OutOfSync', health: 'Healthy' }) ??
        sampleValue(after, 'spin_project_status', { ...labels, sync: 'Synced', health: 'Healthy' }),
    ).toBe(1);
    expect(
      sampleValue(after, 'spin_git_poll_duration_seconds', labels, 'spin_git_poll_duration_seconds_count'),
    ).toBeGreaterThan(0);
  });
});

describe('history', () => {
  let kept: PassRecord[];

  it('keeps at most history.maxPassesPerProject passes', async () => {
    // Commits that change only a comment: each is a recorded pass (a new head) with nothing to do.
    let last = '';
    for (let i = 0; i < 12; i++) {
      last = await f.push({ 'compose.yaml': markedStack('two', { comment: `pass ${i}` }) }, `comment ${i}`);
      const sync = await callApi<{ status: ProjectStatus }>(
        api,
        'POST',
        `/api/v1/projects/${f.project}/sync`,
        {
          token: WRITE,
          body: {},
        },
      );
      expect(sync.body.status.desiredCommit).toBe(last);
    }
    kept = await history();
    expect(kept).toHaveLength(10);
    expect(kept[0]).toMatchObject({ commit: last, result: 'converged', sync: 'Synced' });
    // The newest ten, newest first: the first deploy is gone.
    expect(kept.some((p) => p.commit === one)).toBe(false);
    const cli = await spinJsonOk<{ passes: PassRecord[] }>(['history', f.project, '--limit', '100'], READ);
    expect(cli.passes).toEqual(kept);
  });

  it('survives a daemon restart', async () => {
    earlierOutput.push(daemon().output());
    earlierLogs.push(...daemon().logs);
    expect(await daemon().stop()).toBe(0);
    api = (await f.startDaemon()).apiUrl;
    const human = await spin(['history', f.project], READ);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(kept[0]?.commit?.slice(0, 12));
    const after = await history();
    expect(after.length).toBeLessThanOrEqual(10);
    // What was there before the restart is still there (a new pass may have pushed the oldest out).
    const ids = new Set(after.map((p) => p.id));
    expect(kept.filter((p) => ids.has(p.id)).length).toBeGreaterThanOrEqual(9);
    expect(after.filter((p) => ids.has(p.id) && kept.some((k) => k.id === p.id))).toEqual(
      kept.filter((p) => ids.has(p.id)),
    );
  });
});

describe('history of a refused head', () => {
  it('records the refusal once, not on every poll, and an event for it', async () => {
    const refused = await f.push({ 'compose.yaml': markedStack('bad', { privileged: true }) }, 'privileged');
    await f.waitStatus((s) => s.refusedCommit === refused, 'the privileged commit refused');
    // Four more polls of the same refused head (pollInterval 1s).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const passes = (await history()).filter((p) => p.commit === refused);
    expect(passes).toEqual([
      expect.objectContaining({
        result: 'refused',
        sync: 'OutOfSync',
        error: expect.objectContaining({ reason: 'InvalidCommit' }),
      }),
    ]);
    const events = (
      await callApi<{ events: { kind: string; data?: { commit?: string } }[] }>(
        api,
        'GET',
        `/api/v1/projects/${f.project}/history`,
        { token: READ },
      )
    ).body.events.filter((e) => e.kind === 'refused');
    expect(events.map((e) => e.data?.commit)).toEqual([refused]);
  });
});

describe('config reload', () => {
  let second: ExtraRepo;

  it('a project added to the config file deploys without a restart', async () => {
    second = await f.addRepo('ops2');
    const sha = await second.push({ 'compose.yaml': markedStack('second') }, 'second project');
    const pid = daemon().child.pid;
    await f.writeConfig({
      ...f.config,
      projects: [...f.config.projects, { name: second.project, repo: second.repoUrl }],
    });
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && JSON.stringify(l.added) === JSON.stringify([second.project]),
      'the reload adding the second project',
    );
    await f.waitStatusOf(
      second.project,
      (s) => s.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      'second project deployed',
    );
    const containers = await listProjectContainers(second.project);
    expect(containers.map((c) => [c.name, c.state, c.labels['spin.commit']])).toEqual([
      [`${second.project}_app_1`, 'running', sha],
    ]);
    expect(daemon().child.pid).toBe(pid);
    expect(daemon().child.exitCode).toBeNull();
    const listed = await callApi<{ projects: ProjectStatus[] }>(api, 'GET', '/api/v1/projects', {
      token: READ,
    });
    expect(listed.body.projects.map((p) => p.project)).toEqual([f.project, second.project].sort());
  });

  it('an invalid config is refused and logged; the old one keeps running', async () => {
    const valid = f.config;
    await f.writeConfig({
      ...valid,
      pollInterval: 'soon',
      projects: [...valid.projects, { name: 'Not A Valid Name', repo: second.repoUrl }],
    });
    const refusal = await daemon().waitForLog(
      (l) => l.msg === 'config change refused; keeping the running config',
      'the refusal of the invalid config',
    );
    expect(refusal.level).toBe(50);
    expect(JSON.stringify(refusal.errors)).toMatch(/spin\.yaml:\d+:\d+/);
    expect(daemon().child.exitCode).toBeNull();

    // The running config still reconciles both projects (asked over the API: `spin status
    // --config` reads the file, which is invalid now).
    const next = await f.push({ 'compose.yaml': markedStack('after-refusal') }, 'after the refused config');
    const sha = await second.push({ 'compose.yaml': markedStack('second-2') }, 'second project again');
    await waitFor(apiStatuses, {
      until: (list) =>
        list.some((s) => s.project === f.project && s.appliedCommit === next && s.health === 'Healthy') &&
        list.some((s) => s.project === second.project && s.appliedCommit === sha),
      description: 'both projects still reconciled',
    });
    expect((await listProjectContainers(f.project)).map((c) => [c.labels['spin.commit'], c.state])).toEqual([
      [next, 'running'],
    ]);

    // Fixed again: accepted, and nothing changes for the projects.
    await f.writeConfig(valid);
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && Array.isArray(l.added) && l.added.length === 0,
      'the reload of the fixed config',
    );
  });
});

describe('config reload (removal)', () => {
  it('a project removed from the config is no longer reconciled or reported; its containers stay', async () => {
    const [, second] = f.config.projects as { name: string }[];
    const removed = second?.name ?? '';
    await f.writeConfig({ ...f.config, projects: f.config.projects.slice(0, 1) });
    await daemon().waitForLog(
      (l) => l.msg === 'config reloaded' && JSON.stringify(l.removed) === JSON.stringify([removed]),
      'the reload removing the second project',
    );
    expect((await apiStatuses()).map((s) => s.project)).toEqual([f.project]);
    const gone = await callApi(api, 'GET', `/api/v1/projects/${removed}`, { token: READ });
    expect(gone.status).toBe(404);
    const metrics = await scrape();
    const series = [...metrics.values()]
      .flatMap((m) => m.samples)
      .filter((x) => x.labels.project === removed);
    expect(series).toEqual([]);
    expect((await listProjectContainers(removed)).map((c) => c.state)).toEqual(['running']);
  });
});

describe('logs', () => {
  it('one line per pass and per action, with project, commit and duration', () => {
    const logs = [...earlierLogs, ...daemon().logs];
    const passes = logs.filter((l) => l.msg === 'reconcile pass' && l.project === f.project);
    expect(passes.length).toBeGreaterThan(10);
    for (const line of passes) {
      expect(line).toMatchObject({ project: f.project, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
      expect(typeof line.durationMs).toBe('number');
      expect(typeof line.result).toBe('string');
    }
    // Passes that act log at info; idle repeats of a converged pass only at debug.
    expect(passes.filter((l) => Number(l.actions) > 0).every((l) => l.level === 30)).toBe(true);
    expect(passes.filter((l) => l.level === 20).length).toBeGreaterThan(5);
    expect(
      passes.filter((l) => l.level === 20).every((l) => l.actions === 0 && l.result === 'converged'),
    ).toBe(true);
    const actions = logs.filter((l) => l.msg === 'action done' && l.project === f.project);
    expect(actions.length).toBeGreaterThanOrEqual(4);
    for (const line of actions) {
      expect(line).toMatchObject({ project: f.project, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
      expect(line.action).toEqual(expect.any(String));
    }
    // The first deploy's create, by name.
    expect(actions.some((l) => l.commit === one && String(l.action).includes(`${f.project}_app_1`))).toBe(
      true,
    );
  });

  it('never prints the webhook secret or the API tokens', async () => {
    // Exercise the paths that handle them: a webhook carrying the secret, refused and accepted tokens.
    await callApi(api, 'POST', '/hooks/gitlab', {
      headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': WEBHOOK_SECRET },
      body: { object_kind: 'push', ref: 'refs/heads/main', project: { git_http_url: 'http://x/y.git' } },
    });
    await callApi(api, 'GET', '/api/v1/projects', { token: `${READ}-wrong` });
    await callApi(api, 'POST', `/api/v1/projects/${f.project}/sync`, { token: READ, body: {} });
    await callApi(api, 'POST', `/api/v1/projects/${f.project}/sync`, { token: WRITE, body: {} });
    const output = [...earlierOutput, daemon().output()].join('\n');
    expect(output.length).toBeGreaterThan(1000);
    for (const secret of [WEBHOOK_SECRET, READ, WRITE]) expect(output).not.toContain(secret);
  });
});
