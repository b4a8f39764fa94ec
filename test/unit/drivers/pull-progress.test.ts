import { describe, expect, it } from 'vitest';
import { PULL_REPORT_INTERVAL_MS, PullTracker } from '../../../src/drivers/docker/pull-progress.js';
import { describePullProgress } from '../../../src/model/image.js';

describe('PullTracker', () => {
  it('reports per finished layer and at most every interval while bytes move, then a final report', () => {
    let now = 0;
    const t = new PullTracker('reg/web:1', () => now);
    expect(t.update({ status: 'Pulling from lab/web', id: '1' })).toBeUndefined();
    expect(t.update({ id: 'aaaaaaaaaaaa', status: 'Already exists' })).toMatchObject({
      layers: 1,
      layersDone: 1,
    });
    expect(t.update({ id: 'bbbbbbbbbbbb', status: 'Pulling fs layer' })).toBeUndefined();
    now += 100;
    const chunk = { id: 'bbbbbbbbbbbb', status: 'Downloading', progressDetail: { current: 1e6, total: 6e6 } };
    expect(t.update(chunk)).toBeUndefined();
    now += PULL_REPORT_INTERVAL_MS;
    const timed = t.update({ ...chunk, progressDetail: { current: 3e6, total: 6e6 } });
    expect(timed).toMatchObject({ layers: 2, layersDone: 1, bytes: 3e6, totalBytes: 6e6, done: false });
    expect(t.update({ id: 'bbbbbbbbbbbb', status: 'Download complete' })).toBeUndefined();
    expect(t.update({ id: 'bbbbbbbbbbbb', status: 'Pull complete' })).toMatchObject({
      layersDone: 2,
      bytes: 6e6,
    });
    const last = t.finish();
    expect(last.done).toBe(true);
    expect(describePullProgress(last)).toBe('pulled reg/web:1: 2/2 layers, 6.0/6.0 MB');
  });
});
