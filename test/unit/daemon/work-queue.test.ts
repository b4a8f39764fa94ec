import { describe, expect, it } from 'vitest';
import { WorkQueue, strongerReason } from '../../../src/daemon/work-queue.js';

describe('WorkQueue', () => {
  it('queues a key once however often it is added before a round takes it', () => {
    const q = new WorkQueue<string>();
    expect(q.add('a', 'replan')).toBe(true);
    expect(q.add('a', 'replan')).toBe(false);
    expect(q.add('b', 'poll')).toBe(true);
    expect(q.take()).toEqual([
      ['a', 'replan'],
      ['b', 'poll'],
    ]);
    expect(q.take()).toEqual([]);
  });

  it('does not lose an event that arrives while the key is processing', () => {
    const q = new WorkQueue<string>();
    q.add('a', 'poll');
    q.take();
    expect(q.isProcessing('a')).toBe(true);
    expect(q.add('a', 'replan')).toBe(false);
    // Not handed out twice at once...
    expect(q.take()).toEqual([]);
    // ...but queued again as soon as the running pass ends.
    expect(q.done('a')).toBe('replan');
    expect(q.isProcessing('a')).toBe(false);
    expect(q.take()).toEqual([['a', 'replan']]);
  });

  it('coalesces many events during processing into exactly one more run', () => {
    const q = new WorkQueue<string>();
    q.add('a', 'poll');
    q.take();
    for (let i = 0; i < 50; i++) q.add('a', 'replan');
    expect(q.done('a')).toBe('replan');
    expect(q.take()).toEqual([['a', 'replan']]);
    expect(q.done('a')).toBeUndefined();
    expect(q.take()).toEqual([]);
  });

  it('keeps the stronger reason: a poll asked for during processing is not downgraded by events', () => {
    const q = new WorkQueue<string>();
    q.add('a', 'replan');
    q.take();
    q.add('a', 'replan');
    q.add('a', 'poll');
    q.add('a', 'replan');
    expect(q.done('a')).toBe('poll');
    q.add('a', 'replan');
    expect(q.take()).toEqual([['a', 'poll']]);
  });

  it('does nothing on done for a key that was not processing, and forgets removed keys', () => {
    const q = new WorkQueue<string>();
    expect(q.done('x')).toBeUndefined();
    q.add('a', 'poll');
    q.take();
    q.add('a', 'replan');
    q.forget('a');
    expect(q.done('a')).toBeUndefined();
    expect(q.take()).toEqual([]);
    q.add('b', 'replan');
    q.forget('b');
    expect(q.take()).toEqual([]);
  });

  it('a key forgotten while processing and added again runs only after the old processing ends', () => {
    const q = new WorkQueue<string>();
    q.add('a', 'poll');
    q.take();
    q.forget('a');
    expect(q.add('a', 'poll')).toBe(false);
    expect(q.take()).toEqual([]);
    expect(q.done('a')).toBe('poll');
    expect(q.take()).toEqual([['a', 'poll']]);
  });

  it('a poll is stronger than a replan', () => {
    expect(strongerReason('replan', 'replan')).toBe('replan');
    expect(strongerReason('replan', 'poll')).toBe('poll');
    expect(strongerReason('poll', 'replan')).toBe('poll');
  });

  it('counts due keys (queued, or asked for again while processing) and processing keys', () => {
    const q = new WorkQueue<string>();
    q.add('a', 'poll');
    q.add('b', 'replan');
    expect([q.dueCount, q.processingCount]).toEqual([2, 0]);
    q.take();
    expect([q.dueCount, q.processingCount]).toEqual([0, 2]);
    q.add('a', 'replan');
    expect([q.dueCount, q.processingCount]).toEqual([1, 2]);
    q.done('b');
    q.done('a');
    expect([q.dueCount, q.processingCount]).toEqual([1, 0]);
  });
});
