import { describe, expect, it } from 'vitest';
import { alignedDelay } from '../../../src/daemon/daemon.js';
import { isEngineUnavailable, MAX_APPLY_ATTEMPTS, retryDelayMs } from '../../../src/reconciler/retry.js';

describe('retry backoff', () => {
  it('doubles from 2 s with ±25 % jitter and caps at 5 minutes', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(2000);
    expect(retryDelayMs(2, () => 0.5)).toBe(4000);
    expect(retryDelayMs(3, () => 0)).toBe(6000);
    expect(retryDelayMs(3, () => 1)).toBe(10000);
    expect(retryDelayMs(20, () => 0.5)).toBe(300_000);
    expect(MAX_APPLY_ATTEMPTS).toBe(5);
  });

  it('tells an unreachable engine from a failing commit', () => {
    expect(isEngineUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(
      isEngineUnavailable(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ENOENT' }) })),
    ).toBe(true);
    expect(isEngineUnavailable(Object.assign(new Error('no such image'), { statusCode: 404 }))).toBe(false);
  });
});

describe('poll alignment', () => {
  it('moves a poll to the next whole second so projects share rounds', () => {
    expect(alignedDelay(10_000, 1_000_250)).toBe(10_750);
    expect(alignedDelay(10_000, 1_000_000)).toBe(10_000);
    expect(alignedDelay(500, 1_000_250)).toBe(500);
  });
});
