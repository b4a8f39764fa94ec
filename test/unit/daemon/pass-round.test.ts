import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProjectConfig, SpinConfig } from '../../../src/config/types.js';
import { EngineSet } from '../../../src/daemon/engine-set.js';
import { PassQueue } from '../../../src/daemon/pass-queue.js';
import { PassRound } from '../../../src/daemon/pass-round.js';
import { ProjectRegistry, type ProjectRuntime } from '../../../src/daemon/project-registry.js';
import { Semaphore } from '../../../src/daemon/semaphore.js';
import { PersistedStatuses } from '../../../src/daemon/status-persistence.js';
import type { Driver } from '../../../src/drivers/driver.js';
import type { GitSource } from '../../../src/git/index.js';
import type { PassOutcome } from '../../../src/reconciler/reconcile-project.js';
import { unknownStatus } from '../../../src/status/project-status.js';
import type { ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import { silentLogger } from '../../../src/util/logger.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

/**
 * A round whose engine list fails (the engine is away): it decides everything around a pass
 * without running one, so what the round does with polls, waiters, statuses and wake-ups shows.
 */
function setup(stateDir: string) {
  const polls: string[] = [];
  const engineUp: boolean[] = [];
  const driver = {
    listActual: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')),
  } as unknown as Driver;
  const registry = new ProjectRegistry();
  const statuses = new PersistedStatuses(stateDir);
  const released: string[] = [];
  const queue = new PassQueue<PassOutcome>({ runRound: () => Promise.resolve(), onWake: () => {} });
  const release = queue.release.bind(queue);
  queue.release = (name) => {
    released.push(name);
    return release(name);
  };
  const round = new PassRound({
    config: () => ({ passTimeoutMs: 10_000 }) as SpinConfig,
    registry,
    statuses,
    queue,
    engines: new EngineSet(driver),
    limiter: new Semaphore(1),
    gitLimiter: new Semaphore(1),
    passListeners: [],
    onEngineList: (_engine, ok) => engineUp.push(ok),
    log: silentLogger(),
  });
  const add = (name: string, fields: Partial<ProjectRuntime> = {}) => {
    const project = { name, pollIntervalMs: 3_600_000 } as ProjectConfig;
    const source = {
      resolveHead: () => {
        polls.push(name);
        return Promise.resolve('c0ffee');
      },
    } as unknown as GitSource;
    const runtime: ProjectRuntime = {
      ctx: { project, source } as ProjectContext,
      suspended: false,
      containers: [],
      ...fields,
    };
    registry.add(runtime);
    return runtime;
  };
  return { round, queue, registry, statuses, polls, released, add, engineUp };
}

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('round');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('PassRound', () => {
  it('gives each pass its own id and reports the engine down (spin_engine_up)', async () => {
    const { round, queue, add, engineUp } = setup(dir);
    add('a');
    add('b');
    const [a, b] = [queue.wait('a'), queue.wait('b')];
    await round.run([
      ['a', 'poll'],
      ['b', 'poll'],
    ]);
    const ids = [(await a).passId, (await b).passId];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(engineUp).toEqual([false]);
    queue.stop();
  });

  it('asks git only for projects that poll or have no head yet; a replan keeps the head it has', async () => {
    const { round, queue, polls, add } = setup(dir);
    add('polled');
    add('fresh');
    const known = add('known', { head: 'abc', polledAt: Date.now() });
    await round.run([
      ['polled', 'poll'],
      ['fresh', 'replan'],
      ['known', 'replan'],
    ]);
    expect(polls.sort()).toEqual(['fresh', 'polled']);
    expect(known.head).toBe('abc');
    queue.stop();
  });

  it('answers the waiters, records the error status and retries soon when the engine is away', async () => {
    const { round, queue, statuses, released, add } = setup(dir);
    add('web');
    const waiting = queue.wait('web');
    const before = Date.now();
    await round.run([['web', 'poll']]);
    const outcome = await waiting;
    expect(outcome.status.lastError?.reason).toBe('EngineUnavailable');
    expect(outcome.status.lastError?.message).toContain('docker engine unreachable');
    expect(statuses.get('web')?.lastResult).toBe('error');
    expect(released).toEqual(['web']);
    // A retry in seconds, not at the hourly poll.
    const wake = queue.wakeTime('web') ?? Infinity;
    expect(wake).toBeGreaterThanOrEqual(before);
    expect(wake).toBeLessThan(before + 60_000);
    queue.stop();
  });

  it('with the engine away, the status names the head git found (a commit just promoted), or keeps the last one when git fails too', async () => {
    const { round, queue, statuses, add } = setup(dir);
    add('moved');
    const stuck = add('stuck');
    stuck.ctx.source = {
      resolveHead: () => Promise.reject(new Error('git server unreachable')),
    } as unknown as GitSource;
    for (const name of ['moved', 'stuck'])
      statuses.set(name, { ...unknownStatus(name), desiredCommit: 'old', appliedCommit: 'old' });
    const [moved, still] = [queue.wait('moved'), queue.wait('stuck')];
    await round.run([
      ['moved', 'poll'],
      ['stuck', 'poll'],
    ]);
    expect((await moved).status).toMatchObject({
      desiredCommit: 'c0ffee',
      appliedCommit: 'old',
      lastError: { reason: 'EngineUnavailable' },
    });
    expect(statuses.get('moved')?.desiredCommit).toBe('c0ffee');
    expect((await still).status).toMatchObject({
      desiredCommit: 'old',
      lastError: { reason: 'EngineUnavailable' },
    });
    queue.stop();
  });

  it('drops the wake-up of a project suspended meanwhile unless someone waits for it', async () => {
    const { round, queue, statuses, released, polls, add } = setup(dir);
    add('idle', { suspended: true });
    add('asked', { suspended: true });
    const waiting = queue.wait('asked');
    await round.run([
      ['idle', 'poll'],
      ['asked', 'poll'],
      ['gone', 'poll'],
    ]);
    expect(polls).toEqual(['asked']);
    expect(statuses.get('idle')).toBeUndefined();
    expect((await waiting).status.suspended).toBe(true);
    expect(released.sort()).toEqual(['asked', 'gone', 'idle']);
    // Suspended: no next wake-up is set.
    expect(queue.wakeTime('asked')).toBeUndefined();
    queue.stop();
  });

  it('does not report a pass of a project replaced by a reload meanwhile, but still answers its waiters', async () => {
    const { round, queue, registry, statuses, add } = setup(dir);
    add('web');
    const waiting = queue.wait('web');
    const run = round.run([['web', 'poll']]);
    // The reload replaces the runtime while the round lists the engine.
    add('web');
    await run;
    expect((await waiting).status.lastResult).toBe('error');
    expect(statuses.get('web')).toBeUndefined();
    expect(registry.has('web')).toBe(true);
    queue.stop();
  });

  it('one engine down fails only its own projects; the other engine is listed and its projects pass', async () => {
    const { queue, registry, statuses, add } = setup(dir);
    const listed: string[] = [];
    const up = {
      listActual: () => {
        listed.push('up');
        return Promise.resolve({ containers: [], networks: [], volumes: [] });
      },
    } as unknown as Driver;
    const down = {
      listActual: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.2:2376')),
    } as unknown as Driver;
    const engineUp: [string, boolean][] = [];
    const round = new PassRound({
      config: () => ({ passTimeoutMs: 10_000 }) as SpinConfig,
      registry,
      statuses,
      queue,
      engines: new EngineSet(
        new Map([
          ['up', up],
          ['down', down],
        ]),
      ),
      limiter: new Semaphore(2),
      gitLimiter: new Semaphore(2),
      passListeners: [],
      onEngineList: (engine, ok) => engineUp.push([engine, ok]),
      log: silentLogger(),
    });
    const onDown = add('on-down');
    onDown.ctx.project.engine = 'down';
    const onUp = add('on-up');
    onUp.ctx.project.engine = 'up';
    onUp.ctx.log = silentLogger();
    const [a, b] = [queue.wait('on-down'), queue.wait('on-up')];
    await round.run([
      ['on-down', 'poll'],
      ['on-up', 'poll'],
    ]);
    const failed = await a;
    expect(failed.status.lastError?.reason).toBe('EngineUnavailable');
    expect(failed.status.lastError?.message).toBe(
      'down: docker engine unreachable: connect ECONNREFUSED 10.0.0.2:2376',
    );
    expect(failed.status.engine).toBe('down');
    // The other engine was listed once and its project's pass ran (this stand-in project has no
    // stack to deploy, so the pass itself ends in an error of its own, not the engine's).
    expect(listed).toEqual(['up']);
    expect((await b).status.lastError?.reason).not.toBe('EngineUnavailable');
    expect(engineUp.sort()).toEqual([
      ['down', false],
      ['up', true],
    ]);
    queue.stop();
  });
});
