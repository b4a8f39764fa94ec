import { describe, expect, it } from 'vitest';
import type { ActualContainer } from '../../../src/model/actual-state.js';
import { BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';
import { applyPlan, type ApplyOutcome } from '../../../src/reconciler/apply.js';
import { planSteps } from '../../../src/reconciler/plan.js';
import { RolloutError } from '../../../src/drivers/rollout-error.js';
import type { ServiceSpec } from '../../../src/stack/model.js';
import { container, desiredOf, model, service } from '../reconciler/fixtures.js';
import { engineOn } from '../reconciler/memory-driver.js';
import { StartingEngine } from '../reconciler/starting-engine.js';

/**
 * Docker's rollout across passes: a step acts, looks briefly, and answers `progressing`; the next
 * pass, planned from what the engine lists (nothing kept in memory between passes), picks the
 * rollout up where it stood. Containers here report whatever health the test gives them.
 */
const P = 'p';

const healthcheck = { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 1 };
const v1 = service('web', { image: 'spin-test/web:1', healthcheck });
const v2 = (overrides: Partial<ServiceSpec> = {}) =>
  service('web', {
    image: 'spin-test/web:2',
    healthcheck,
    ...overrides,
    updateConfig: { ...v1.updateConfig, order: 'start-first', ...overrides.updateConfig },
  });

/** One pass's plan and apply, from what the engine lists now. */
async function pass(engine: StartingEngine, services: ServiceSpec[]): Promise<ApplyOutcome> {
  const desired = desiredOf(model(P, services));
  const driver = engineOn(engine);
  const plan = planSteps(driver, desired, await engine.listActual(), { pruneAllowed: false });
  return applyPlan(plan.steps, {
    driver,
    report: () => {},
    desired,
    resolveBindSource: (s) => s,
    admission: { policy: BUILTIN_DEFAULT_POLICY, project: P, containers: new Map(), spinRoots: [] },
  });
}

const names = (engine: StartingEngine) => engine.containers.map((c) => `${c.name} ${c.state}`).sort();

describe('a Docker rollout across passes', () => {
  it('start-first: the pass ends progressing with the new replica beside the old; the next one swaps them once ready', async () => {
    const engine = new StartingEngine(P);
    engine.containers.push(container(P, v1, 1, { id: 'old1', createdAt: 1 }));
    const first = await pass(engine, [v2()]);
    expect(first.progressing?.reason).toBe('p_web_1 is starting');
    expect(first.progressing?.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(names(engine)).toEqual(['p_web_1 running', 'p_web_1-next running']);
    expect(engine.calls).not.toContain('stop old1');

    // Still starting: the next pass neither removes the new one nor starts another.
    const second = await pass(engine, [v2()]);
    expect(second.progressing).toBeDefined();
    expect(engine.calls.filter((c) => c.startsWith('create '))).toEqual(['create p_web_1-next']);

    engine.health.set('p_web_1-next', 'healthy');
    const third = await pass(engine, [v2()]);
    expect(third.progressing).toBeUndefined();
    expect(engine.calls.slice(-3)).toEqual(['stop old1', 'remove old1', 'rename p_web_1-next p_web_1']);
    expect(names(engine)).toEqual(['p_web_1 running']);
    expect((await pass(engine, [v2()])).progressing).toBeUndefined();
  });

  it('start-first: a new replica past its deadline (counted from its creation) is removed and fails the rollout; the old one runs on', async () => {
    const engine = new StartingEngine(P);
    engine.containers.push(container(P, v1, 1, { id: 'old1', createdAt: 1 }));
    await pass(engine, [v2()]);
    const flying = engine.containers.find((c) => c.name === 'p_web_1-next') as ActualContainer;
    flying.createdAt -= 3600; // created an hour ago, as a daemon down meanwhile would find it
    await expect(pass(engine, [v2()])).rejects.toThrow(
      /rollout of web failed: p_web_1 did not become healthy within \d+s/,
    );
    expect(names(engine)).toEqual(['p_web_1 running']);
    expect(engine.containers[0]?.id).toBe('old1');
  });

  it('stop-first: an unhealthy new replica fails the rollout with the same error, and keeps the replica name as before', async () => {
    const engine = new StartingEngine(P);
    engine.containers.push(container(P, v1, 1, { id: 'old1', createdAt: 1 }));
    const spec = v2({ updateConfig: { ...v1.updateConfig, order: 'stop-first' } });
    expect((await pass(engine, [spec])).progressing).toBeDefined();
    expect(names(engine)).toEqual(['p_web_1-next running']);
    engine.health.set('p_web_1-next', 'unhealthy');
    const failure = await pass(engine, [spec]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RolloutError);
    expect((failure as RolloutError).reason).toBe('p_web_1 is unhealthy');
    expect((failure as RolloutError).failureAction).toBe('pause');
    expect(names(engine)).toEqual(['p_web_1 running']);
  });

  it('batches: the next replica is started only once the previous batch is ready', async () => {
    const engine = new StartingEngine(P);
    const old2 = { ...v1, replicas: 2 };
    engine.containers.push(container(P, old2, 1, { id: 'old1' }), container(P, old2, 2, { id: 'old2' }));
    const spec = v2({ replicas: 2 });
    expect((await pass(engine, [spec])).progressing).toBeDefined();
    expect((await pass(engine, [spec])).progressing).toBeDefined();
    expect(engine.calls.filter((c) => c.startsWith('create '))).toEqual(['create p_web_1-next']);
    engine.health.set('p_web_1-next', 'healthy');
    expect((await pass(engine, [spec])).progressing?.reason).toBe('p_web_2 is starting');
    expect(engine.calls.filter((c) => c.startsWith('create '))).toEqual([
      'create p_web_1-next',
      'create p_web_2-next',
    ]);
    engine.health.set('p_web_2-next', 'healthy');
    expect((await pass(engine, [spec])).progressing).toBeUndefined();
    expect(names(engine)).toEqual(['p_web_1 running', 'p_web_2 running']);
  });

  it('depends_on service_healthy: the dependent is not created while its dependency starts, then is', async () => {
    const engine = new StartingEngine(P);
    const db = service('db', { healthcheck });
    const api = service('api', {
      dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } },
    });
    engine.containers.push(container(P, db, 1, { id: 'db1', createdAt: Math.floor(Date.now() / 1000) }));
    const first = await pass(engine, [db, api]);
    expect(first.progressing?.reason).toBe(
      'api waits for p_db_1 (service_healthy); it is running (starting)',
    );
    expect(engine.calls.some((c) => c.includes('p_api_1'))).toBe(false);
    engine.health.set('p_db_1', 'healthy');
    engine.health.set('p_api_1-next', 'healthy');
    expect((await pass(engine, [db, api])).progressing).toBeUndefined();
    expect(names(engine)).toEqual(['p_api_1 running', 'p_db_1 running']);
  });

  it('depends_on service_healthy: a dependency that turned unhealthy fails the step with the same words as before', async () => {
    const engine = new StartingEngine(P);
    const db = service('db', { healthcheck });
    const api = service('api', {
      dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } },
    });
    engine.containers.push(container(P, db, 1, { id: 'db1' }));
    engine.health.set('p_db_1', 'unhealthy');
    await expect(pass(engine, [db, api])).rejects.toThrow(
      'api waits for p_db_1 to be healthy, but it is running (unhealthy)',
    );
  });

  it('start in place: a stopped replica is started and the pass ends progressing; the next passes judge it where it is until healthy', async () => {
    const engine = new StartingEngine(P);
    engine.listsHealth = true;
    const spec = v2();
    engine.containers.push(container(P, spec, 1, { id: 'web1', state: 'exited' }));
    const first = await pass(engine, [spec]);
    expect(first.progressing?.reason).toBe('p_web_1 is starting');
    // Still starting: judged in place, not started again, nothing created or renamed.
    expect((await pass(engine, [spec])).progressing?.reason).toBe('p_web_1 is starting');
    expect(engine.calls).toEqual(['start web1']);
    engine.health.set('p_web_1', 'healthy');
    expect((await pass(engine, [spec])).progressing).toBeUndefined();
    expect((await pass(engine, [spec])).progressing).toBeUndefined();
    expect(engine.calls).toEqual(['start web1']);
    expect(names(engine)).toEqual(['p_web_1 running']);
  });

  it('start in place: one that turns unhealthy fails the rollout from the pass that finds it so, and keeps running', async () => {
    const engine = new StartingEngine(P);
    engine.listsHealth = true;
    const spec = v2();
    engine.containers.push(container(P, spec, 1, { id: 'web1', state: 'exited' }));
    expect((await pass(engine, [spec])).progressing).toBeDefined();
    engine.health.set('p_web_1', 'unhealthy');
    engine.listsHealth = false; // the list still said starting when the pass planned
    engine.containers[0] = { ...(engine.containers[0] as ActualContainer), health: 'starting' };
    const failure = await pass(engine, [spec]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RolloutError);
    expect((failure as RolloutError).reason).toBe('p_web_1 is unhealthy');
    expect(engine.calls).toEqual(['start web1']);
    expect(names(engine)).toEqual(['p_web_1 running']);
  });

  it("start in place: the deadline counts from the engine's start time, so a daemon down meanwhile still fails it", async () => {
    const engine = new StartingEngine(P);
    engine.listsHealth = true;
    const spec = v2();
    engine.containers.push(container(P, spec, 1, { id: 'web1', state: 'exited' }));
    expect((await pass(engine, [spec])).progressing).toBeDefined();
    engine.startedAt.set('web1', Date.now() - 3_600_000);
    await expect(pass(engine, [spec])).rejects.toThrow(
      /rollout of web failed: p_web_1 did not become healthy within \d+s/,
    );
  });

  it('start in place: a replica that crashed before it became healthy fails that start when a pass finds it stopped, and is started again', async () => {
    const engine = new StartingEngine(P);
    const spec = v2();
    engine.containers.push(container(P, spec, 1, { id: 'web1', state: 'exited' }));
    const now = Date.now();
    engine.probes.set('p_web_1', {
      state: 'exited',
      health: 'unhealthy',
      exitCode: 3,
      startedAt: now - 5_000,
      finishedAt: now - 2_000,
      passedSinceStart: false,
    });
    const failure = await pass(engine, [spec]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(RolloutError);
    expect((failure as RolloutError).reason).toBe(
      'p_web_1 exited with code 3 3s after it was started, before it became healthy',
    );
    expect(engine.calls).toEqual(['start web1']);
  });

  it('depends_on: a dependency the engine keeps restarting is given up on (counted from its creation), saying who waits on whom', async () => {
    const engine = new StartingEngine(P);
    const db = service('db', { healthcheck });
    const api = service('api', {
      dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } },
    });
    engine.containers.push(container(P, db, 1, { id: 'db1', state: 'restarting' }));
    // Each restart moves its start time; only its creation and restart count tell how long.
    engine.probes.set('p_db_1', {
      restartCount: 7,
      createdAt: Date.now() - 600_000,
      startedAt: Date.now() - 1_000,
    });
    await expect(pass(engine, [db, api])).rejects.toThrow(
      'api gave up waiting for p_db_1 (service_healthy) after 120s; it is restarting, restarted 7 times by the engine',
    );
    expect(engine.calls.some((c) => c.includes('p_api_1'))).toBe(false);
  });
});
