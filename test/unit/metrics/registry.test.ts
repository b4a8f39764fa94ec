import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/registry.js';
import { parseExposition, sampleValue } from './exposition.js';

async function scrape(metrics: ReturnType<typeof createMetrics>) {
  const { contentType, body } = await metrics.render();
  expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

describe('metrics registry', () => {
  it('exposes every spin_ family with its type, plus prefixed process metrics, in valid text format', async () => {
    const metrics = createMetrics({ version: '0.1.0' });
    const families = await scrape(metrics);
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      spin_reconcile_duration_seconds: 'histogram',
      spin_reconcile_passes_total: 'counter',
      spin_actions_total: 'counter',
      spin_drift_repairs_total: 'counter',
      spin_git_poll_duration_seconds: 'histogram',
      spin_git_poll_errors_total: 'counter',
      spin_managed_containers: 'gauge',
      spin_commit_status_deliveries_total: 'counter',
      spin_rollbacks_total: 'counter',
      spin_project_status: 'gauge',
      spin_project_last_success_timestamp_seconds: 'gauge',
      spin_project_suspended: 'gauge',
      spin_build_info: 'gauge',
      spin_process_cpu_seconds_total: 'counter',
      spin_nodejs_heap_size_total_bytes: 'gauge',
    });
    for (const name of families.keys()) expect(name).toMatch(/^spin_/);
    for (const family of families.values()) expect(family.help, family.name).toBeTruthy();
    expect(sampleValue(families, 'spin_build_info', { version: '0.1.0' })).toBe(1);
  });

  it('does not share the global registry: two instances coexist', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.countRollback('x');
    expect(sampleValue(await scrape(a), 'spin_rollbacks_total', { project: 'x' })).toBe(1);
    expect(sampleValue(await scrape(b), 'spin_rollbacks_total', { project: 'x' })).toBeUndefined();
  });

  it('zero-initialises a project so its counters exist before the first pass', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.addProject('alpha');
    const families = await scrape(metrics);
    for (const result of ['converged', 'applied', 'refused', 'failed', 'error']) {
      expect(sampleValue(families, 'spin_reconcile_passes_total', { project: 'alpha', result })).toBe(0);
    }
    expect(sampleValue(families, 'spin_drift_repairs_total', { project: 'alpha' })).toBe(0);
    expect(sampleValue(families, 'spin_git_poll_errors_total', { project: 'alpha' })).toBe(0);
    expect(sampleValue(families, 'spin_rollbacks_total', { project: 'alpha' })).toBe(0);
  });

  it('moves when a pass runs', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observePass('alpha', 'applied', 1500);
    metrics.observePass('alpha', 'converged', 40);
    metrics.countAction('alpha', 'create', 'ok');
    metrics.countAction('alpha', 'create', 'ok');
    metrics.countAction('alpha', 'recreate', 'failed');
    metrics.countDriftRepairs('alpha', 2);
    metrics.countRollback('alpha');
    metrics.observeGitPoll('alpha', 30, 'ok');
    metrics.observeGitPoll('alpha', 5000, 'failed');
    metrics.setContainers('alpha', { running: 3, exited: 1 });
    metrics.countCommitStatusDelivery('github', 'ok');
    metrics.countCommitStatusDelivery('git-notes', 'failed');
    metrics.setProjectStatus('alpha', 'Synced', 'Healthy');
    metrics.setLastSuccess('alpha', 1_700_000_000_500);
    metrics.setSuspended('alpha', true);
    metrics.setSuspended('beta', false);
    const f = await scrape(metrics);

    const duration = 'spin_reconcile_duration_seconds';
    expect(sampleValue(f, duration, { project: 'alpha' }, `${duration}_count`)).toBe(2);
    expect(sampleValue(f, duration, { project: 'alpha' }, `${duration}_sum`)).toBeCloseTo(1.54);
    expect(sampleValue(f, duration, { project: 'alpha', le: '0.05' }, `${duration}_bucket`)).toBe(1);
    expect(sampleValue(f, 'spin_reconcile_passes_total', { project: 'alpha', result: 'applied' })).toBe(1);
    expect(sampleValue(f, 'spin_reconcile_passes_total', { project: 'alpha', result: 'converged' })).toBe(1);
    expect(sampleValue(f, 'spin_actions_total', { project: 'alpha', kind: 'create', outcome: 'ok' })).toBe(2);
    expect(
      sampleValue(f, 'spin_actions_total', { project: 'alpha', kind: 'recreate', outcome: 'failed' }),
    ).toBe(1);
    expect(sampleValue(f, 'spin_drift_repairs_total', { project: 'alpha' })).toBe(2);
    expect(sampleValue(f, 'spin_rollbacks_total', { project: 'alpha' })).toBe(1);
    const poll = 'spin_git_poll_duration_seconds';
    expect(sampleValue(f, poll, { project: 'alpha' }, `${poll}_count`)).toBe(2);
    expect(sampleValue(f, 'spin_git_poll_errors_total', { project: 'alpha' })).toBe(1);
    expect(sampleValue(f, 'spin_managed_containers', { project: 'alpha', state: 'running' })).toBe(3);
    expect(sampleValue(f, 'spin_managed_containers', { project: 'alpha', state: 'exited' })).toBe(1);
    expect(sampleValue(f, 'spin_managed_containers', { project: 'alpha', state: 'dead' })).toBe(0);
    expect(sampleValue(f, 'spin_commit_status_deliveries_total', { provider: 'github', result: 'ok' })).toBe(
      1,
    );
    expect(
      sampleValue(f, 'spin_commit_status_deliveries_total', { provider: 'git-notes', result: 'failed' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'spin_project_status', { project: 'alpha', sync: 'Synced', health: 'Healthy' }),
    ).toBe(1);
    expect(sampleValue(f, 'spin_project_last_success_timestamp_seconds', { project: 'alpha' })).toBe(
      1_700_000_000.5,
    );
    expect(sampleValue(f, 'spin_project_suspended', { project: 'alpha' })).toBe(1);
    expect(sampleValue(f, 'spin_project_suspended', { project: 'beta' })).toBe(0);
  });

  it('resets container states that emptied and replaces the project status series', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.setContainers('alpha', { running: 2, weird: 1 } as Record<string, number>);
    metrics.setProjectStatus('alpha', 'Synced', 'Healthy');
    metrics.setContainers('alpha', { exited: 2 });
    metrics.setProjectStatus('alpha', 'OutOfSync', 'Degraded');
    const f = await scrape(metrics);
    expect(sampleValue(f, 'spin_managed_containers', { project: 'alpha', state: 'running' })).toBe(0);
    expect(sampleValue(f, 'spin_managed_containers', { project: 'alpha', state: 'weird' })).toBe(0);
    expect(sampleValue(f, 'spin_managed_containers', { project: 'alpha', state: 'exited' })).toBe(2);
    const status = f.get('spin_project_status')?.samples ?? [];
    expect(status.map((s) => s.labels)).toEqual([
      { project: 'alpha', sync: 'OutOfSync', health: 'Degraded' },
    ]);
  });

  it('removes every series of a project that left the config', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (const project of ['alpha', 'beta']) {
      metrics.addProject(project);
      metrics.observePass(project, 'applied', 10);
      metrics.countAction(project, 'create', 'ok');
      metrics.observeGitPoll(project, 10, 'ok');
      metrics.setContainers(project, { running: 1 });
      metrics.setProjectStatus(project, 'Synced', 'Healthy');
      metrics.setLastSuccess(project, Date.now());
      metrics.setSuspended(project, false);
    }
    metrics.removeProject('alpha');
    const f = await scrape(metrics);
    const projects = new Set(
      [...f.values()].flatMap((family) => family.samples.map((s) => s.labels.project)),
    );
    expect(projects).toEqual(new Set(['beta']));
  });

  it('escapes label values a scraper would otherwise misread', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.countCommitStatusDelivery('we"ird\\prov\nider', 'ok');
    const f = await scrape(metrics);
    expect(
      sampleValue(f, 'spin_commit_status_deliveries_total', { provider: 'we"ird\\prov\nider', result: 'ok' }),
    ).toBe(1);
  });
});
