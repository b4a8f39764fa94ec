import { describe, expect, it } from 'vitest';
import { BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';
import { applyPlan, STEP_CONCURRENCY as SERVICE_CONCURRENCY } from '../../../src/reconciler/apply.js';
import { RolloutError } from '../../../src/drivers/rollout-error.js';
import { planSteps } from '../../../src/reconciler/plan.js';
import type { ActualState } from '../../../src/model/actual-state.js';
import { container, desiredOf, model, service } from './fixtures.js';
import { MemoryDriver, engineOn } from './memory-driver.js';

const P = 'p';
const noActual: ActualState = { containers: [], networks: [], volumes: [] };
const dep = { condition: 'service_started' as const, required: true, restart: false };
const apply = async (m: ReturnType<typeof model>, actual: ActualState, driver: MemoryDriver) => {
  const desired = desiredOf(m);
  const engine = engineOn(driver);
  await applyPlan(planSteps(engine, desired, actual, { pruneAllowed: false }).steps, {
    driver: engine,
    report: () => {},
    desired,
    resolveBindSource: (s) => s,
    admission: { policy: BUILTIN_DEFAULT_POLICY, project: P, containers: new Map(), spinRoots: [] },
  });
};

describe('applyPlan', () => {
  it('rolls out independent services in parallel, up to the bound', async () => {
    const driver = new MemoryDriver();
    const services = Array.from({ length: 12 }, (_, i) => service(`s${i}`));
    await apply(model(P, services), noActual, driver);
    expect(driver.calls.filter((c) => c.startsWith('start ')).length).toBe(12);
    expect(driver.maxActive).toBeGreaterThan(1);
    expect(driver.maxActive).toBeLessThanOrEqual(SERVICE_CONCURRENCY);
  });

  it('starts a service only after the services it depends on are rolled out', async () => {
    const driver = new MemoryDriver();
    await apply(
      model(P, [
        service('web', { dependsOn: { api: dep } }),
        service('api', { dependsOn: { db: dep } }),
        service('db'),
      ]),
      noActual,
      driver,
    );
    const at = (call: string) => driver.calls.indexOf(call);
    expect(at('create-network default')).toBe(0);
    // A new replica runs under its temporary name until it is ready, then takes its name.
    expect(at('rename p_db_1-next p_db_1')).toBeGreaterThan(at('start p_db_1-next'));
    expect(at('rename p_db_1-next p_db_1')).toBeLessThan(at('create p_api_1-next'));
    expect(at('rename p_api_1-next p_api_1')).toBeLessThan(at('create p_web_1-next'));
  });

  it('refuses a replacement the last gate refuses before stopping the container it replaces', async () => {
    const driver = new MemoryDriver();
    driver.refused.add('web');
    const old = service('web');
    const actual: ActualState = {
      ...noActual,
      containers: [container(P, old, 1, { id: 'old1' })],
      networks: [{ id: 'n', name: 'p_default', project: P, key: 'default' }],
    };
    await expect(
      apply(model(P, [service('web', { image: 'spin-test/web:2' })]), actual, driver),
    ).rejects.toThrow(/admission refused p_web_1/);
    expect(driver.calls).toEqual([]);
  });

  it('stop-first replaces a replica in place: stop, remove, create, start, and takes the name once ready', async () => {
    const driver = new MemoryDriver();
    const old = service('web');
    const actual: ActualState = {
      ...noActual,
      containers: [container(P, old, 1, { id: 'old1' })],
      networks: [{ id: 'n', name: 'p_default', project: P, key: 'default' }],
    };
    await apply(model(P, [service('web', { image: 'spin-test/web:2' })]), actual, driver);
    expect(driver.calls).toEqual([
      'image spin-test/web:2',
      'stop old1',
      'remove old1',
      'create p_web_1-next',
      'start p_web_1-next',
      'rename p_web_1-next p_web_1',
    ]);
  });

  it('start-first starts the new container beside the old one, then swaps names', async () => {
    const driver = new MemoryDriver();
    const old = service('web');
    const actual: ActualState = {
      ...noActual,
      containers: [container(P, old, 1, { id: 'old1' })],
      networks: [{ id: 'n', name: 'p_default', project: P, key: 'default' }],
    };
    const next = service('web', {
      image: 'spin-test/web:2',
      updateConfig: { ...old.updateConfig, order: 'start-first' },
    });
    await apply(model(P, [next]), actual, driver);
    expect(driver.calls).toEqual([
      'image spin-test/web:2',
      'create p_web_1-next',
      'start p_web_1-next',
      'stop old1',
      'remove old1',
      'rename p_web_1-next p_web_1',
    ]);
  });

  it('a replica that never becomes ready fails the rollout and leaves the old one running (start-first)', async () => {
    const driver = new MemoryDriver();
    driver.unhealthy.add('p_web_1');
    const old = service('web');
    const actual: ActualState = {
      ...noActual,
      containers: [container(P, old, 1, { id: 'old1' })],
      networks: [{ id: 'n', name: 'p_default', project: P, key: 'default' }],
    };
    const next = service('web', {
      image: 'spin-test/web:2',
      updateConfig: { ...old.updateConfig, order: 'start-first' },
    });
    await expect(apply(model(P, [next]), actual, driver)).rejects.toBeInstanceOf(RolloutError);
    expect(driver.calls).not.toContain('stop old1');
    expect(driver.calls).toContain('remove p_web_1-next');
  });

  it('stops starting new groups after a failure', async () => {
    const driver = new MemoryDriver();
    driver.unhealthy.add('p_a_1');
    const services = [service('a'), service('b', { dependsOn: { a: dep } })];
    await expect(apply(model(P, services), noActual, driver)).rejects.toThrow(/rollout of a failed/);
    expect(driver.calls.some((c) => c.includes('p_b_1'))).toBe(false);
  });

  it('never sends a refused join to the engine, and rolls a joining service out after its target', async () => {
    const driver = new MemoryDriver();
    await expect(
      apply(model(P, [service('app', { networkMode: 'container:other_db_1' })]), noActual, driver),
    ).rejects.toThrow(/refused: network_mode "container:other_db_1" is not a container of project p/);
    expect(driver.calls.filter((c) => c.startsWith('create ') || c.startsWith('image '))).toEqual([]);

    const joining = new MemoryDriver();
    await apply(model(P, [service('a', { networkMode: 'service:z' }), service('z')]), noActual, joining);
    const at = (call: string) => joining.calls.indexOf(call);
    expect(at('rename p_z_1-next p_z_1')).toBeGreaterThanOrEqual(0);
    expect(at('rename p_z_1-next p_z_1')).toBeLessThan(at('create p_a_1-next'));
  });
});
