import { describe, expect, it } from 'vitest';
import { ownCheckWindow } from '../../../src/drivers/docker/docker-driver.js';
import {
  effectiveReadyBy,
  healthcheckWindowMs,
  probeReady,
  readinessTimeoutMs,
} from '../../../src/drivers/docker/readiness.js';
import type { ContainerDriver, ContainerProbe } from '../../../src/drivers/docker/container-driver.js';
import { service } from '../reconciler/fixtures.js';

/**
 * A service whose stack sets no healthcheck may still run its image's HEALTHCHECK: the engine says
 * `starting` until that check's first verdict, which an image's `--interval=30s` puts past the
 * service's `monitor` window. Its deadline is then the check's own window, from its last start.
 */
const S = 1_000_000_000; // one second in ns, as inspect says durations
const plain = service('web');
const checked = service('web', { healthcheck: { test: ['CMD', 'true'], intervalMs: 1000, retries: 1 } });
const probe = (over: Partial<ContainerProbe>): ContainerProbe => ({
  state: 'running',
  health: 'starting',
  exitCode: 0,
  startedAt: 1_000_000,
  ...over,
});

describe("an image's own healthcheck sets the deadline when the stack sets none", () => {
  it('reads the window from the inspect (engine defaults for what is unset, none for NONE)', () => {
    expect(ownCheckWindow({ Test: ['CMD', 'true'], Interval: 30 * S, Timeout: 5 * S, Retries: 2 })).toEqual({
      ownCheckWindowMs: (30_000 + 5_000) * 3,
    });
    expect(ownCheckWindow({ Test: ['CMD', 'true'] })).toEqual({ ownCheckWindowMs: 240_000 });
    expect(ownCheckWindow({ Test: ['NONE'] })).toEqual({});
    expect(ownCheckWindow(undefined)).toEqual({});
    expect(healthcheckWindowMs({ startPeriodMs: 48 * 3600_000 })).toBe(600_000);
  });

  it('extends the deadline while the image check is starting; never for a stack check or a verdict', () => {
    const readyBy = 1_000_000 + readinessTimeoutMs(plain);
    const own = probe({ ownCheckWindowMs: 105_000 });
    expect(effectiveReadyBy(own, plain, readyBy)).toBe(1_000_000 + 105_000);
    expect(effectiveReadyBy(own, checked, readyBy)).toBe(readyBy);
    expect(effectiveReadyBy({ ...own, health: 'healthy' }, plain, readyBy)).toBe(readyBy);
    expect(effectiveReadyBy(probe({}), plain, readyBy)).toBe(readyBy);
    // A short own window never shortens the service's.
    expect(effectiveReadyBy(probe({ ownCheckWindowMs: 1 }), plain, readyBy)).toBe(readyBy);
  });

  it('probeReady waits past the monitor window for the image check, and fails at its own deadline', async () => {
    const now = Date.now();
    const inspect = (p: ContainerProbe) =>
      ({ inspectContainer: async () => p }) as unknown as ContainerDriver;
    const pastMonitor = now - readinessTimeoutMs(plain) - 1_000;
    const starting = probe({ startedAt: pastMonitor, ownCheckWindowMs: 60_000 });
    const readyBy = pastMonitor + readinessTimeoutMs(plain);
    expect(await probeReady(inspect(starting), 'c1', 'p_web_1', plain, readyBy, 0)).toEqual({
      pending: true,
      reason: 'p_web_1 is starting',
    });
    const late = probe({ startedAt: now - 61_000, ownCheckWindowMs: 60_000 });
    expect(await probeReady(inspect(late), 'c1', 'p_web_1', plain, now - 61_000 + 5_000, 0)).toEqual({
      ok: false,
      reason: 'p_web_1 did not become healthy within 60s',
    });
    // Without the image check, the monitor window is the deadline, as before.
    expect(
      await probeReady(inspect(probe({ startedAt: pastMonitor })), 'c1', 'p_web_1', plain, readyBy, 0),
    ).toEqual({
      ok: false,
      reason: `p_web_1 did not become healthy within ${Math.round(readinessTimeoutMs(plain) / 1000)}s`,
    });
  });
});
