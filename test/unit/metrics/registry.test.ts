import perfHooks from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { createMetrics, EVENT_LOOP_SAMPLE_MS, webhookOutcome } from '../../../src/metrics/registry.js';
import { parseExposition, sampleValue } from './exposition.js';

async function scrape(metrics: ReturnType<typeof createMetrics>) {
  const { contentType, body } = await metrics.render();
  expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(body);
}

describe('metrics registry', () => {
  it('exposes every spin_ family with its type, plus unprefixed process metrics, in valid text format', async () => {
    const metrics = createMetrics({ build: { version: '9.8.7', revision: 'abc1234' } });
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
      spin_project_environment_info: 'gauge',
      spin_build_info: 'gauge',
      spin_webhook_requests_total: 'counter',
      spin_engine_up: 'gauge',
      spin_pass_queue_due: 'gauge',
      spin_passes_running: 'gauge',
      spin_log_streams: 'gauge',
      // The names stock Node.js dashboards query.
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_heap_size_total_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    });
    // Spin's own metrics and prom-client's standard process_/nodejs_ ones, nothing else.
    for (const name of families.keys()) expect(name).toMatch(/^(spin_|process_|nodejs_)/);
    expect([...families.keys()].filter((n) => /^spin_(process|nodejs)_/.test(n))).toEqual([]);
    for (const family of families.values()) expect(family.help, family.name).toBeTruthy();
    expect(sampleValue(families, 'spin_build_info', { version: '9.8.7', revision: 'abc1234' })).toBe(1);
  });

  it("samples the event loop delay every 100 ms, not at prom-client's 100 wake-ups a second", async () => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    try {
      const metrics = createMetrics();
      expect(monitor).toHaveBeenCalledTimes(1);
      expect(monitor.mock.calls[0]?.[0]?.resolution).toBe(EVENT_LOOP_SAMPLE_MS);
      expect(EVENT_LOOP_SAMPLE_MS).toBeGreaterThanOrEqual(100);
      // Still exposed under the standard names.
      const { body } = await metrics.render();
      expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    } finally {
      monitor.mockRestore();
    }
  });

  it('counts webhook deliveries by a bounded outcome, all zero-initialised', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(sampleValue(await scrape(metrics), 'spin_webhook_requests_total', { outcome: 'accepted' })).toBe(
      0,
    );
    metrics.countWebhook(webhookOutcome(202));
    metrics.countWebhook(webhookOutcome(401));
    metrics.countWebhook(webhookOutcome(401));
    const families = await scrape(metrics);
    expect(sampleValue(families, 'spin_webhook_requests_total', { outcome: 'accepted' })).toBe(1);
    expect(sampleValue(families, 'spin_webhook_requests_total', { outcome: 'unauthenticated' })).toBe(2);
    expect(sampleValue(families, 'spin_webhook_requests_total', { outcome: 'throttled' })).toBe(0);
  });

  it('maps answer statuses to webhook outcomes', () => {
    expect([200, 202, 204, 400, 401, 403, 404, 408, 413, 415, 429, 500, 503].map(webhookOutcome)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'bad_request',
      'unauthenticated',
      'unauthenticated',
      'bad_request',
      'timeout',
      'too_large',
      'bad_request',
      'throttled',
      'error',
      'error',
    ]);
  });

  it('reports the engine as up or down, and reads the pass queue at scrape time', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let stats = { due: 3, running: 1 };
    metrics.setPassQueueSource(() => stats);
    metrics.setEngineUp('default', true);
    let families = await scrape(metrics);
    expect(sampleValue(families, 'spin_engine_up', { engine: 'default' })).toBe(1);
    expect(sampleValue(families, 'spin_pass_queue_due', {})).toBe(3);
    expect(sampleValue(families, 'spin_passes_running', {})).toBe(1);
    stats = { due: 0, running: 2 };
    metrics.setEngineUp('default', false);
    families = await scrape(metrics);
    expect(sampleValue(families, 'spin_engine_up', { engine: 'default' })).toBe(0);
    expect(sampleValue(families, 'spin_pass_queue_due', {})).toBe(0);
    expect(sampleValue(families, 'spin_passes_running', {})).toBe(2);
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
    // Daemon-wide series (build info, engine, webhooks, pass queue) have no project label.
    const projects = new Set(
      [...f.values()].flatMap((family) => family.samples.flatMap((s) => s.labels.project ?? [])),
    );
    expect(projects).toEqual(new Set(['beta']));
  });

  it('names each environment in an info series that joins on project, removed with it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.addProject('gw--dev', { project: 'gw', name: 'dev' });
    metrics.addProject('plain');
    let f = await scrape(metrics);
    const labels = { project: 'gw--dev', environment: 'dev', parent_project: 'gw' };
    expect(sampleValue(f, 'spin_project_environment_info', labels)).toBe(1);
    expect(f.get('spin_project_environment_info')?.samples).toHaveLength(1);
    metrics.removeProject('gw--dev');
    f = await scrape(metrics);
    expect(sampleValue(f, 'spin_project_environment_info', labels)).toBeUndefined();
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
