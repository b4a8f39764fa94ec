import { afterEach, describe, expect, it, vi } from 'vitest';
import { WakeClock } from '../../../src/daemon/wake-clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('WakeClock', () => {
  it('hands projects due at the same instant over in one call', () => {
    vi.useFakeTimers({ now: 10_000 });
    const calls: string[][] = [];
    const clock = new WakeClock((names) => calls.push(names));
    clock.set('a', 11_000);
    clock.set('b', 11_000);
    clock.set('c', 12_000);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual([['a', 'b']]);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual([['a', 'b'], ['c']]);
    clock.stop();
  });

  it('replaces a project’s wake-up, earlier or later', () => {
    vi.useFakeTimers({ now: 0 });
    const calls: string[][] = [];
    const clock = new WakeClock((names) => calls.push(names));
    clock.set('a', 5_000);
    clock.set('a', 1_000);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual([['a']]);
    clock.set('b', 1_500);
    clock.set('b', 3_000);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual([['a']]);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual([['a'], ['b']]);
    clock.delete('b');
    clock.set('c', 4_000);
    clock.delete('c');
    vi.advanceTimersByTime(5_000);
    expect(calls).toEqual([['a'], ['b']]);
    clock.stop();
  });
});
