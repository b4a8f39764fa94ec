import { describe, expect, it } from 'vitest';
import { conditionState } from '../../../src/drivers/docker/dependencies.js';
import { probeTimes } from '../../../src/drivers/docker/docker-driver.js';
import {
  failedStart,
  readinessTimeoutMs,
  startedReadyBy,
  waitOrigin,
} from '../../../src/drivers/docker/readiness.js';
import { planService } from '../../../src/drivers/docker/replica-plan.js';
import type { ContainerProbe } from '../../../src/drivers/docker/container-driver.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import { container, service } from '../reconciler/fixtures.js';

/**
 * Pure: what lets a later pass judge a container started again in place, and bound a wait on a
 * dependency, from the engine alone (nothing is kept between passes).
 */
const P = 'p';
const web = service('web', {
  healthcheck: { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 2 },
});
const plain = service('web');
const plan = (containers: ReturnType<typeof container>[]) =>
  planService(P, web, serviceConfigHash(P, web), containers, false, {});

describe('a container started again in place', () => {
  it('running with its healthcheck starting is awaited where it is; healthy, it is left alone; stopped, it is started', () => {
    const starting = container(P, web, 1, { id: 'w1', health: 'starting', createdAt: 1_700_000_000 });
    expect(plan([starting])).toEqual([
      {
        kind: 'await',
        service: 'web',
        replica: 1,
        name: 'p_web_1',
        containerId: 'w1',
        readyBy: 1_700_000_000_000 + readinessTimeoutMs(web),
        inPlace: true,
      },
    ]);
    expect(plan([{ ...starting, health: 'healthy' }])).toEqual([]);
    expect(plan([{ ...starting, state: 'exited', health: 'none' }])).toMatchObject([
      { kind: 'start', containerId: 'w1' },
    ]);
    // Another hash is a recreate, never an await in place.
    expect(plan([{ ...starting, configHash: 'other' }])).toMatchObject([{ kind: 'recreate' }]);
  });

  it('its deadline is its last start as the engine recorded it plus the readiness window', () => {
    const probe: ContainerProbe = { state: 'running', health: 'starting', exitCode: 0, startedAt: 5_000 };
    expect(startedReadyBy(probe, web, 99_999)).toBe(5_000 + readinessTimeoutMs(web));
    // Restarted by the engine since (a crash loop moves StartedAt every time): from its creation.
    const looping = { ...probe, restartCount: 4, createdAt: 1_000 };
    expect(startedReadyBy(looping, web, 99_999)).toBe(1_000 + readinessTimeoutMs(web));
  });

  const crashed: ContainerProbe = {
    state: 'exited',
    health: 'unhealthy',
    exitCode: 1,
    startedAt: 10_000,
    finishedAt: 14_000,
    passedSinceStart: false,
  };

  it('a crash before any health check passed, within the readiness window, is a failed start', () => {
    expect(failedStart(crashed, web, 'p_web_1')).toBe(
      'p_web_1 exited with code 1 4s after it was started, before it became healthy',
    );
  });

  it('a stop before any check passed is one too, as when the step waited for it (exit 143: SIGTERM)', () => {
    expect(failedStart({ ...crashed, exitCode: 143 }, web, 'p_web_1')).toBe(
      'p_web_1 exited with code 143 4s after it was started, before it became healthy',
    );
  });

  it('is not a failed start: a check passed, a long run, no healthcheck, still running, never ended', () => {
    expect(failedStart({ ...crashed, passedSinceStart: true }, web, 'n')).toBeUndefined();
    const long = { ...crashed, finishedAt: crashed.startedAt! + readinessTimeoutMs(web) };
    expect(failedStart(long, web, 'n')).toBeUndefined();
    expect(failedStart({ ...crashed, health: 'none' }, plain, 'n')).toBeUndefined();
    expect(failedStart({ ...crashed, state: 'running', health: 'starting' }, web, 'n')).toBeUndefined();
    const { finishedAt: _, ...unfinished } = crashed;
    expect(failedStart(unfinished, web, 'n')).toBeUndefined();
  });

  it("reads the inspect's times: a passing check since the last start, the end of the last run, restarts", () => {
    const info = {
      Created: '2026-01-01T00:00:00Z',
      RestartCount: 2,
      State: {
        StartedAt: '2026-01-01T00:01:00Z',
        FinishedAt: '0001-01-01T00:00:00Z',
        Health: {
          Log: [
            { Start: '2026-01-01T00:00:30Z', ExitCode: 0 }, // before the last start: does not count
            { Start: '2026-01-01T00:01:10Z', ExitCode: 1 },
          ],
        },
      },
    };
    expect(probeTimes(info)).toEqual({
      createdAt: Date.parse('2026-01-01T00:00:00Z'),
      restartCount: 2,
      passedSinceStart: false,
    });
    const passed = { ...info, State: { ...info.State, FinishedAt: '2026-01-01T00:02:00Z' } };
    passed.State.Health = { Log: [...info.State.Health.Log, { Start: '2026-01-01T00:01:20Z', ExitCode: 0 }] };
    expect(probeTimes(passed)).toMatchObject({
      finishedAt: Date.parse('2026-01-01T00:02:00Z'),
      passedSinceStart: true,
    });
  });
});

describe('waiting on a dependency', () => {
  const dep = { condition: 'service_healthy' as const, required: true, restart: false };
  const now = 1_000_000_000;

  it('counts from its last start, or from its creation once the engine has restarted it by itself', () => {
    const probe: ContainerProbe = {
      state: 'running',
      health: 'starting',
      exitCode: 0,
      startedAt: 500,
      createdAt: 100,
    };
    expect(waitOrigin(probe)).toBe(500);
    expect(waitOrigin({ ...probe, restartCount: 0 })).toBe(500);
    expect(waitOrigin({ ...probe, restartCount: 3 })).toBe(100);
  });

  it('a dependency that keeps crashing has a deadline: the pass fails saying who waits on whom, and for what', () => {
    const looping: ContainerProbe = {
      state: 'restarting',
      health: 'none',
      exitCode: 1,
      startedAt: now - 1_000,
      createdAt: now - 121_000,
      restartCount: 9,
    };
    expect(() => conditionState('api', 'p_db_1', dep, looping, now)).toThrow(
      'api gave up waiting for p_db_1 (service_healthy) after 120s; it is restarting, restarted 9 times by the engine',
    );
    // Fresh: still a wait, with the same located words as before.
    expect(conditionState('api', 'p_db_1', dep, { ...looping, createdAt: now - 5_000 }, now)).toBe(
      'api waits for p_db_1 (service_healthy); it is restarting',
    );
  });

  it('one started by hand just now is waited for, however old it is', () => {
    const probe: ContainerProbe = {
      state: 'running',
      health: 'starting',
      exitCode: 0,
      startedAt: now - 1_000,
      createdAt: now - 86_400_000,
      restartCount: 0,
    };
    expect(conditionState('api', 'p_db_1', dep, probe, now)).toBe(
      'api waits for p_db_1 (service_healthy); it is running (starting)',
    );
    expect(() => conditionState('api', 'p_db_1', dep, { ...probe, startedAt: now - 120_000 }, now)).toThrow(
      /api gave up waiting for p_db_1 \(service_healthy\) after 120s; it is running \(starting\)$/,
    );
  });
});
