import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PassQueue, type RoundBatch } from '../../../src/daemon/pass-queue.js';

/**
 * The queue driven by a fake clock and a scripted round: each round records its batch and keeps
 * its projects locked until the test ends their passes (as PassRound does: answer, then release).
 */
function harness() {
  const rounds: RoundBatch[] = [];
  const woken: string[][] = [];
  const queue: PassQueue<string> = new PassQueue<string>({
    runRound: (batch) => {
      rounds.push(batch);
      for (const [name] of batch) queue.begin(name);
      return Promise.resolve();
    },
    onWake: (names) => woken.push(names),
  });
  /** The pass of `name` ended with `outcome`. */
  const finish = (name: string, outcome: string) => {
    queue.answer(name, outcome);
    queue.release(name);
  };
  return { queue, rounds, woken, finish };
}

/** Lets the round scheduled on the next turn of the event loop start. */
const turn = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ now: 100_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PassQueue rounds', () => {
  it('coalesces every wake-up of one turn into one round, one entry per project, the stronger reason kept', async () => {
    const { queue, rounds } = harness();
    queue.add('a', 'replan');
    queue.add('b', 'replan');
    queue.add('a', 'poll');
    queue.add('a', 'replan');
    expect(rounds).toEqual([]);
    await turn();
    expect(rounds).toEqual([
      [
        ['a', 'poll'],
        ['b', 'replan'],
      ],
    ]);
    await turn();
    expect(rounds).toHaveLength(1);
    queue.stop();
  });

  it('runs a project woken during its running pass again once that pass ends (dirty), never beside it', async () => {
    const { queue, rounds, finish } = harness();
    queue.add('a', 'poll');
    await turn();
    expect(rounds).toEqual([[['a', 'poll']]]);
    // An engine event (twice) while the pass runs: no second pass beside the first...
    queue.add('a', 'replan');
    queue.add('a', 'replan');
    await turn();
    expect(rounds).toHaveLength(1);
    // ...but exactly one more, right after it.
    finish('a', 'first');
    await turn();
    expect(rounds).toEqual([[['a', 'poll']], [['a', 'replan']]]);
    finish('a', 'second');
    await turn();
    expect(rounds).toHaveLength(2);
    queue.stop();
  });

  it('lets other projects run while one pass is still running', async () => {
    const { queue, rounds } = harness();
    queue.add('a', 'poll');
    await turn();
    queue.add('b', 'poll');
    queue.add('a', 'replan');
    await turn();
    expect(rounds).toEqual([[['a', 'poll']], [['b', 'poll']]]);
    queue.stop();
  });

  it('does not let a waiter barge into a pass that started before it asked', async () => {
    const { queue, finish } = harness();
    const early = queue.wait('a');
    queue.add('a', 'poll');
    await turn();
    // Asked while the first pass runs: that pass may have read the engine before the change the
    // caller waits for, so the caller gets the next pass, not this one.
    const late = queue.wait('a');
    queue.add('a', 'poll');
    const answered: string[] = [];
    void early.then((o) => answered.push(`early:${o}`));
    void late.then((o) => answered.push(`late:${o}`));
    finish('a', 'first');
    await turn();
    expect(answered).toEqual(['early:first']);
    finish('a', 'second');
    await turn();
    expect(answered).toEqual(['early:first', 'late:second']);
    queue.stop();
  });

  it('knows whether anyone waits (a suspended project runs only for them)', async () => {
    const { queue, finish } = harness();
    expect(queue.hasWaiters('a')).toBe(false);
    void queue.wait('a');
    expect(queue.hasWaiters('a')).toBe(true);
    queue.add('a', 'poll');
    await turn();
    // The running pass answers them: nobody waits for a later one.
    expect(queue.hasWaiters('a')).toBe(false);
    finish('a', 'done');
    queue.stop();
  });

  it('forgets a removed project: its queued wake-up, its timer and its waiters', async () => {
    const { queue, rounds, woken } = harness();
    void queue.wait('a');
    queue.wakeAt('a', Date.now() + 1_000);
    queue.add('a', 'poll');
    queue.forget('a');
    await vi.advanceTimersByTimeAsync(2_000);
    // The round already scheduled still runs, with nothing to take.
    expect(rounds.flat()).toEqual([]);
    expect(woken).toEqual([]);
    expect(queue.hasWaiters('a')).toBe(false);
    queue.stop();
  });

  it('takes no wake-up and schedules no round after stop (one already scheduled still runs)', async () => {
    const { queue, rounds } = harness();
    queue.add('a', 'poll');
    queue.stop();
    expect(queue.stopped).toBe(true);
    queue.add('b', 'poll');
    await turn();
    expect(rounds).toEqual([[['a', 'poll']]]);
    queue.release('a');
    queue.add('c', 'poll');
    await turn();
    expect(rounds).toHaveLength(1);
  });
});

describe('PassQueue timers', () => {
  it('hands projects due at the same time to onWake together, and a cancelled one not at all', async () => {
    const { queue, woken } = harness();
    const at = Date.now() + 5_000;
    queue.wakeAt('a', at);
    queue.wakeAt('b', at);
    queue.wakeAt('c', at);
    queue.cancelWake('c');
    expect(queue.wakeTime('a')).toBe(at);
    expect(queue.wakeTime('c')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(woken).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(woken).toEqual([['a', 'b']]);
    expect(queue.wakeTime('a')).toBeUndefined();
    queue.stop();
  });

  it('clears every timer on stop', async () => {
    const { queue, woken } = harness();
    queue.wakeAt('a', Date.now() + 1_000);
    queue.wakeAt('b', Date.now() + 200);
    queue.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(woken).toEqual([]);
  });

  it('drains what is in flight, and says when something still hangs after the deadline', async () => {
    const { queue } = harness();
    let end!: () => void;
    queue.track(new Promise<void>((resolve) => (end = resolve)));
    expect(queue.runningCount).toBe(1);
    const hanging = queue.drain(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await hanging).toBe(false);
    end();
    expect(await queue.drain(1_000)).toBe(true);
    expect(queue.runningCount).toBe(0);
    queue.stop();
  });
});
