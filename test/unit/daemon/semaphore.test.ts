import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/daemon/semaphore.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('never runs more than its limit, even with a caller arriving between a release and a wake-up', async () => {
    const limiter = new Semaphore(1);
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const task = () =>
      new Promise<void>((resolve) => {
        running++;
        most = Math.max(most, running);
        gates.push(() => {
          running--;
          resolve();
        });
      });
    const first = limiter.run(task);
    const waiter = limiter.run(task);
    await tick();
    expect(running).toBe(1);
    // Release the first slot and, in the same synchronous stretch, let a new caller barge in.
    (gates.shift() as () => void)();
    await Promise.resolve();
    const barger = limiter.run(task);
    await tick();
    expect(most).toBe(1);
    while (gates.length > 0 || running > 0) {
      gates.shift()?.();
      await tick();
    }
    await Promise.all([first, waiter, barger]);
    expect(most).toBe(1);
  });

  it('runs waiters in arrival order and frees the slot when a task throws', async () => {
    const limiter = new Semaphore(1);
    const order: number[] = [];
    const failing = limiter.run(() => Promise.reject(new Error('boom')));
    const runs = [1, 2, 3].map((n) =>
      limiter.run(async () => {
        order.push(n);
      }),
    );
    await expect(failing).rejects.toThrow('boom');
    await Promise.all(runs);
    expect(order).toEqual([1, 2, 3]);
  });

  it('runs up to the limit at once', async () => {
    const limiter = new Semaphore(3);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limiter.run(async () => {
          running++;
          most = Math.max(most, running);
          await tick();
          running--;
        }),
      ),
    );
    expect(most).toBe(3);
  });
});
