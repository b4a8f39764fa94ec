import { describe, expect, it } from 'vitest';
import { planService, rolloutsInFlight } from '../../../src/drivers/docker/replica-plan.js';
import { readinessTimeoutMs } from '../../../src/drivers/docker/readiness.js';
import type { Action } from '../../../src/drivers/plan-action.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import { container, service } from '../reconciler/fixtures.js';

/**
 * Pure: a rollout in flight recognised from the engine alone. A new replica runs under
 * `<name>-next` with the desired hash until it is ready; the next pass looks at it again (an
 * `await`) instead of removing it as a stray, and knows its deadline from its creation time.
 */
const P = 'p';
const old = service('web', { image: 'spin-test/web:1' });
const next = service('web', {
  image: 'spin-test/web:2',
  updateConfig: { ...old.updateConfig, order: 'start-first' },
  healthcheck: { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 2 },
});
const hash = serviceConfigHash(P, next);
const plan = (spec: typeof next, containers: ReturnType<typeof container>[]) =>
  planService(P, spec, serviceConfigHash(P, spec), containers, false, {});
const words = (actions: Action[]) =>
  actions.map((a) => `${a.kind} ${'containerId' in a ? a.containerId : ''}`.trim());

describe('rollouts in flight', () => {
  it('start-first: a -next of the desired hash beside the old replica is awaited, the old one to go once it is ready', () => {
    const running = container(P, old, 1, { id: 'old1' });
    const flying = container(P, next, 1, {
      id: 'new1',
      name: 'p_web_1-next',
      health: 'starting',
      createdAt: 1_700_000_000,
    });
    const actions = plan(next, [running, flying]);
    expect(actions).toEqual([
      {
        kind: 'await',
        service: 'web',
        replica: 1,
        name: 'p_web_1',
        containerId: 'new1',
        replaces: 'old1',
        readyBy: 1_700_000_000_000 + readinessTimeoutMs(next),
      },
    ]);
  });

  it('stop-first: a -next of the desired hash with no replica under the name is awaited, replacing nothing', () => {
    const flying = container(P, next, 1, { id: 'new1', name: 'p_web_1-next', state: 'created' });
    const [action] = plan(next, [flying]);
    expect(action).toMatchObject({ kind: 'await', containerId: 'new1', unstarted: true });
    expect(action).not.toHaveProperty('replaces');
  });

  it("only the replica's own -next is awaited: one whose name or replica label does not match is not taken for it", () => {
    // Attack: a container of the right hash under another name (or another replica's label) must
    // not stand in for replica 1's rollout, or an unproven container could take the name.
    const running = container(P, old, 1, { id: 'old1' });
    const otherName = container(P, next, 1, { id: 'x1', name: 'p_web_1-next-x' });
    const otherReplica = container(P, next, 2, { id: 'x2', name: 'p_web_1-next' });
    const awaited = plan(next, [running, otherName, otherReplica]).filter((a) => a.kind === 'await');
    expect(awaited.map((a) => ('containerId' in a ? a.containerId : ''))).not.toContain('x1');
    expect(awaited.filter((a) => 'replica' in a && a.replica === 1)).toEqual([]);
  });

  it('a -next of another hash is a stray from an interrupted update: removed first, the replica replaced again', () => {
    const running = container(P, old, 1, { id: 'old1' });
    const stale = container(P, old, 1, { id: 'stale', name: 'p_web_1-next' });
    expect(words(plan(next, [running, stale]))).toEqual(['remove stale', 'recreate old1']);
  });

  it('a -next beside a replica that already runs the desired hash is a stray (that replica proved itself)', () => {
    const proven = container(P, next, 1, { id: 'new1' });
    const leftover = container(P, next, 1, { id: 'left', name: 'p_web_1-next' });
    expect(words(plan(next, [proven, leftover]))).toEqual(['remove left']);
  });

  it('a dead -next is not in flight: removed, and the replica replaced again', () => {
    const running = container(P, old, 1, { id: 'old1' });
    const dead = container(P, next, 1, { id: 'dead', name: 'p_web_1-next', state: 'dead' });
    expect(rolloutsInFlight(P, next, hash, [running, dead]).size).toBe(0);
    expect(words(plan(next, [running, dead]))).toEqual(['remove dead', 'recreate old1']);
  });

  it('an exited -next is still in flight: the rollout step judges it (failed), it is not silently retried', () => {
    const running = container(P, old, 1, { id: 'old1' });
    const exited = container(P, next, 1, { id: 'x', name: 'p_web_1-next', state: 'exited', exitCode: 1 });
    expect(words(plan(next, [running, exited]))).toEqual(['await x']);
  });

  it('batches: the replica proven stays, the one in flight is awaited, the rest are still to replace', () => {
    const three = { ...next, replicas: 3 };
    const h3 = serviceConfigHash(P, three);
    const oldThree = { ...old, replicas: 3 };
    const containers = [
      container(P, three, 1, { id: 'r1', configHash: h3 }),
      container(P, oldThree, 2, { id: 'old2' }),
      container(P, three, 2, { id: 'r2', name: 'p_web_2-next', configHash: h3, health: 'starting' }),
      container(P, oldThree, 3, { id: 'old3' }),
    ];
    expect(words(plan(three, containers))).toEqual(['await r2', 'recreate old3']);
  });
});
