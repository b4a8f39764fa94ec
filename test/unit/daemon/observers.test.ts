import { describe, expect, it } from 'vitest';
import { observePasses } from '../../../src/daemon/observers.js';
import type { Daemon } from '../../../src/daemon/daemon.js';
import { createMetrics } from '../../../src/metrics/registry.js';
import type { PassOutcome } from '../../../src/reconciler/reconcile-project.js';
import { openHistoryStore } from '../../../src/store/history-store.js';
import { createLogger } from '../../../src/util/logger.js';
import { parseExposition, sampleValue } from '../metrics/exposition.js';

/** Just the two subscriptions observePasses makes, driven by the test. */
function fakeDaemon() {
  const passes: ((name: string, outcome: PassOutcome) => void | Promise<void>)[] = [];
  const suspends: ((name: string, suspended: boolean) => void)[] = [];
  const daemon = {
    onPass: (l: (typeof passes)[number]) => passes.push(l),
    onSuspended: (l: (typeof suspends)[number]) => suspends.push(l),
  };
  return {
    daemon: daemon as unknown as Daemon,
    pass: async (name: string, outcome: PassOutcome) => {
      for (const l of passes) await l(name, outcome);
    },
    suspend: (name: string, suspended: boolean) => suspends.forEach((l) => l(name, suspended)),
  };
}

function outcome(fields: Partial<PassOutcome> & { result: 'applied' | 'failed' | 'converged' }): PassOutcome {
  return {
    status: {
      project: 'alpha',
      sync: fields.result === 'failed' ? 'OutOfSync' : 'Synced',
      health: 'Healthy',
      healthReason: '',
      services: {},
      lastResult: fields.result,
      lastReconcile: new Date().toISOString(),
      lastDurationMs: 5,
    },
    actions: [],
    requeueAfterMs: 1000,
    driftRepairs: 0,
    rolledBack: false,
    containers: [],
    ...fields,
  };
}

describe('observePasses metrics', () => {
  it('counts failed actions as failed, sets the last success time only on success, and tracks suspension', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const store = openHistoryStore({ path: ':memory:' });
    const fake = fakeDaemon();
    observePasses(fake.daemon, { store, metrics, log: createLogger({ level: 'silent' }) });
    const scrape = async () => parseExposition((await metrics.render()).body);

    const before = Date.now() / 1000;
    await fake.pass('alpha', outcome({ result: 'converged' }));
    const success = sampleValue(await scrape(), 'spin_project_last_success_timestamp_seconds', {
      project: 'alpha',
    });
    expect(success).toBeGreaterThanOrEqual(Math.floor(before));

    await fake.pass(
      'alpha',
      outcome({
        result: 'failed',
        actionResults: [
          { kind: 'create-network', ok: true },
          { kind: 'create', ok: false },
        ],
      }),
    );
    const f = await scrape();
    const action = (kind: string, o: string) =>
      sampleValue(f, 'spin_actions_total', { project: 'alpha', kind, outcome: o });
    expect(action('create', 'failed')).toBe(1);
    expect(action('create', 'ok')).toBeUndefined();
    expect(action('create-network', 'ok')).toBe(1);
    // A failed pass leaves the last success where it was.
    expect(sampleValue(f, 'spin_project_last_success_timestamp_seconds', { project: 'alpha' })).toBe(success);
    expect(sampleValue(f, 'spin_project_suspended', { project: 'alpha' })).toBe(0);

    fake.suspend('alpha', true);
    expect(sampleValue(await scrape(), 'spin_project_suspended', { project: 'alpha' })).toBe(1);
    fake.suspend('alpha', false);
    expect(sampleValue(await scrape(), 'spin_project_suspended', { project: 'alpha' })).toBe(0);
    store.close();
  });
});
