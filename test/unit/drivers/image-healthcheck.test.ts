import { describe, expect, it } from 'vitest';
import { imageHealthcheckWithinPolicy } from '../../../src/drivers/docker/image-healthcheck.js';

const MS = 1_000_000;
const min = (minIntervalMs: number) => ({ minIntervalMs });
const POLICY = { minIntervalMs: 1000, maxPeriodMs: 600_000, maxTimeoutMs: 60_000, maxRetries: 100 };

describe('imageHealthcheckWithinPolicy', () => {
  it("raises an image's too short interval to the policy's minimum, keeping the rest of its check", () => {
    expect(
      imageHealthcheckWithinPolicy(
        { Test: ['CMD-SHELL', 'true'], Interval: 1 * MS, Retries: 3, Timeout: 2 * MS },
        min(1000),
      ),
    ).toEqual({ Test: ['CMD-SHELL', 'true'], Interval: 1000 * MS, Retries: 3, Timeout: 2 * MS });
    expect(
      imageHealthcheckWithinPolicy(
        { Test: ['CMD', 'true'], Interval: 5000 * MS, StartInterval: 1 * MS },
        min(1000),
      ),
    ).toEqual({ Test: ['CMD', 'true'], Interval: 5000 * MS, StartInterval: 1000 * MS });
  });

  it("lowers an image's periods, timeout and retries above the policy's ceilings", () => {
    expect(
      imageHealthcheckWithinPolicy(
        {
          Test: ['CMD', 'true'],
          Interval: 86_400_000 * MS,
          StartPeriod: 86_400_000 * MS,
          Timeout: 3_600_000 * MS,
          Retries: 1_000_000,
        },
        POLICY,
      ),
    ).toEqual({
      Test: ['CMD', 'true'],
      Interval: 600_000 * MS,
      StartPeriod: 600_000 * MS,
      Timeout: 60_000 * MS,
      Retries: 100,
    });
    // Only the timeout is out of bounds: only it changes.
    expect(
      imageHealthcheckWithinPolicy(
        { Test: ['CMD', 'true'], Interval: 5000 * MS, Timeout: 120_000 * MS },
        POLICY,
      ),
    ).toEqual({ Test: ['CMD', 'true'], Interval: 5000 * MS, Timeout: 60_000 * MS });
  });

  it('leaves alone what is within bounds, the engine default (0), no check, NONE, and no bounds', () => {
    expect(
      imageHealthcheckWithinPolicy({ Test: ['CMD', 'true'], Interval: 1000 * MS }, min(1000)),
    ).toBeUndefined();
    expect(
      imageHealthcheckWithinPolicy({ Test: ['CMD', 'true'], Interval: 0, Timeout: 0 }, POLICY),
    ).toBeUndefined();
    expect(imageHealthcheckWithinPolicy({ Test: ['CMD', 'true'] }, POLICY)).toBeUndefined();
    expect(imageHealthcheckWithinPolicy({ Test: ['NONE'], Interval: 1 * MS }, POLICY)).toBeUndefined();
    expect(imageHealthcheckWithinPolicy(null, POLICY)).toBeUndefined();
    expect(imageHealthcheckWithinPolicy({ Test: ['CMD', 'true'], Interval: 1 * MS }, min(0))).toBeUndefined();
    expect(
      imageHealthcheckWithinPolicy(
        { Test: ['CMD', 'true'], Interval: 30_000 * MS, Timeout: 5000 * MS, Retries: 3 },
        POLICY,
      ),
    ).toBeUndefined();
  });
});
