import { describe, expect, it } from 'vitest';
import { nextWake, pollDue } from '../../../src/daemon/poll-schedule.js';

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

describe('nextWake', () => {
  it('wakes an idle project on the tick one interval after its poll started, not after its pass', () => {
    // Polled at 10.003 s (a round on the 10 s tick), the pass ended at 10.150 s: next at 11 s.
    expect(nextWake(1_000, project(1_000, 'abc', 10_003), 10_150)).toBe(11_000);
    // Projects of one round started a few ms apart share the next tick.
    expect(nextWake(1_000, project(1_000, 'abc', 10_009), 10_400)).toBe(11_000);
    // A pass longer than the interval: the next tick, shared with the other late ones.
    expect(nextWake(1_000, project(1_000, 'abc', 10_003), 12_500)).toBe(13_000);
    expect(nextWake(1_000, project(1_000, 'abc', 10_003), 12_000)).toBe(12_000);
  });

  it('counts a recheck or a backoff from now, on the next tick', () => {
    expect(nextWake(2_000, project(3_600_000, 'abc', 10_000), 10_150)).toBe(13_000);
    expect(nextWake(4_000, project(1_000, 'abc', 10_000), 10_150)).toBe(15_000);
    // Sub-second intervals are not aligned.
    expect(nextWake(500, project(500, 'abc', 10_000), 10_150)).toBe(10_650);
  });
});
