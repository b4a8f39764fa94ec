import { describe, expect, it } from 'vitest';
import type { Driver } from '../../../src/drivers/driver.js';
import type { DesiredResource, LiveResource, PruneRule, Step } from '../../../src/drivers/resources.js';
import type { ActualState } from '../../../src/model/actual-state.js';
import { planSteps } from '../../../src/reconciler/plan.js';
import { desiredOf, model } from './fixtures.js';

/**
 * The planner on its own, with a driver that is nothing but keys and hashes: it pairs by key,
 * compares hashes, asks the driver about drift, prunes by rule and orders by wave, knowing no kind.
 */
const want = (key: string, hash: string, wave = 1, dependsOn: string[] = []): DesiredResource => ({
  kind: 'thing',
  key,
  hash,
  dependsOn,
  wave,
  prune: 'always',
  body: undefined,
});
const have = (
  key: string,
  hash: string,
  prune: PruneRule = 'always',
  wave = 1,
  drift = '',
): LiveResource => ({
  kind: 'thing',
  key,
  hash,
  wave,
  prune,
  body: drift,
});

function driverOf(desired: DesiredResource[], live: LiveResource[]): Parameters<typeof planSteps>[0] {
  return {
    render: () => desired,
    observe: () => live,
    drift: (_d, l) => (l.body ? [l.body as string] : []),
    actionsOf: (s: Step) =>
      s.key === 'silent' ? [] : [{ kind: 'remove-volume', volume: `${s.op} ${s.key} (${s.why})` }],
  } satisfies Pick<Driver, 'render' | 'observe' | 'drift' | 'actionsOf'>;
}
const nothing: ActualState = { containers: [], networks: [], volumes: [] };
const plan = (desired: DesiredResource[], live: LiveResource[], pruneAllowed = false) =>
  planSteps(driverOf(desired, live), desiredOf(model('p', [])), nothing, { pruneAllowed }).actions.map((a) =>
    a.kind === 'remove-volume' ? a.volume : a.kind,
  );

describe('planSteps', () => {
  it('creates what is missing, updates what changed or drifted, leaves what matches', () => {
    expect(
      plan(
        [want('new', 'h1'), want('changed', 'h2'), want('same', 'h3'), want('stopped', 'h4')],
        [have('changed', 'old'), have('same', 'h3'), have('stopped', 'h4', 'always', 1, 'stopped')],
      ),
    ).toEqual(['create new (missing)', 'update changed (changed)', 'update stopped (stopped)']);
  });

  it('deletes what nothing desires by its prune rule', () => {
    const live = [have('gone', 'h'), have('data', 'h', 'when-allowed'), have('kept', 'h', 'never')];
    expect(plan([], live)).toEqual(['delete gone (not desired)']);
    expect(plan([], live, true)).toEqual(['delete data (not desired)', 'delete gone (not desired)']);
  });

  it('orders by wave, deletions first within a wave, then in the order the driver rendered', () => {
    expect(
      plan(
        [want('late', 'h', 2), want('b', 'h', 1), want('a', 'h', 1), want('first', 'h', 0)],
        [have('cleanup', 'h', 'always', 3), have('freed', 'h', 'always', 1)],
      ),
    ).toEqual([
      'create first (missing)',
      'delete freed (not desired)',
      'create b (missing)',
      'create a (missing)',
      'create late (missing)',
      'delete cleanup (not desired)',
    ]);
  });

  it('leaves out a step the driver says takes no action', () => {
    expect(plan([want('silent', 'h')], [])).toEqual([]);
  });
});
