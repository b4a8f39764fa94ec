import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/forge/backoff.js';

describe('backoffDelay', () => {
  const opts = { baseDelayMs: 1000, maxDelayMs: 10_000 };

  it('doubles per attempt with half of each delay random', () => {
    expect(backoffDelay(1, opts, () => 0)).toBe(500);
    expect(backoffDelay(1, opts, () => 1)).toBe(1000);
    expect(backoffDelay(2, opts, () => 0)).toBe(1000);
    expect(backoffDelay(3, opts, () => 1)).toBe(4000);
  });

  it('is capped', () => {
    expect(backoffDelay(20, opts, () => 1)).toBe(10_000);
    expect(backoffDelay(20, opts, () => 0)).toBe(5_000);
  });

  it('spreads retries', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(4, opts)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) expect(d).toBeGreaterThanOrEqual(4000);
  });
});
