import { describe, expect, it } from 'vitest';
import { pollDue } from '../../../src/daemon/daemon.js';

const project = (pollIntervalMs: number, head?: string, polledAt?: number) => ({
  head,
  polledAt,
  ctx: { project: { pollIntervalMs } },
});

describe('pollDue', () => {
  it('polls a project that has no head yet', () => {
    expect(pollDue(project(3_600_000), 0)).toBe(true);
    expect(pollDue(project(3_600_000, undefined, 1_000), 2_000)).toBe(true);
  });

  it('does not poll again before the interval elapsed (a resync or recheck replans only)', () => {
    const hourly = project(3_600_000, 'abc', 10_000);
    expect(pollDue(hourly, 10_000 + 60_000)).toBe(false);
    expect(pollDue(hourly, 10_000 + 3_599_000)).toBe(false);
    expect(pollDue(hourly, 10_000 + 3_600_000)).toBe(true);
  });

  it('counts a wake-up half a tick early as on time (clock timers fire on whole ticks)', () => {
    expect(pollDue(project(1_000, 'abc', 10_000), 10_600)).toBe(true);
    expect(pollDue(project(1_000, 'abc', 10_000), 10_400)).toBe(false);
  });
});
