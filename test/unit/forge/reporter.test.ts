import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeliveredStore } from '../../../src/forge/delivered-store.js';
import { StatusReporter, type DeliveryResult } from '../../../src/forge/reporter.js';
import { StatusDeliveryError, type CommitStatus, type StatusProvider } from '../../../src/forge/types.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

/**
 * Queue behaviour of the reporter with an in-memory provider (the HTTP side is covered against a
 * real server in test/integration/forge-providers.test.ts).
 */
class Recorder implements StatusProvider {
  readonly name = 'recorder';
  readonly posted: CommitStatus[] = [];
  failures = 0;
  async post(status: CommitStatus): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new StatusDeliveryError('recorder: down', true);
    }
    this.posted.push(status);
  }
}

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await makeTempDir('reporter');
});
afterAll(async () => {
  await removeTempDir(tmp);
});

const s = (state: CommitStatus['state'], description = state): CommitStatus => ({
  commit: 'c'.repeat(40),
  context: 'spin/p',
  state,
  description,
});

function make(
  provider: StatusProvider,
  extra: Partial<ConstructorParameters<typeof StatusReporter>[0]> = {},
) {
  return new StatusReporter({
    project: 'p',
    provider,
    stateDir: path.join(tmp, `state-${++n}`),
    baseDelayMs: 10,
    maxDelayMs: 20,
    ...extra,
  });
}

describe('StatusReporter queue', () => {
  it('abandons the retries of a status superseded by a newer one', async () => {
    const provider = new Recorder();
    provider.failures = 1;
    const results: DeliveryResult[] = [];
    const reporter = make(provider, { baseDelayMs: 50, maxDelayMs: 50, onDelivery: (r) => results.push(r) });
    reporter.report(s('pending'));
    await new Promise((r) => setTimeout(r, 5));
    reporter.report(s('success'));
    await reporter.flush();
    expect(provider.posted.map((p) => p.state)).toEqual(['success']);
    expect(results).toEqual(['retry', 'ok']);
  });

  it('stops retrying and drops the queue on close', async () => {
    const provider = new Recorder();
    provider.failures = 100;
    const reporter = make(provider, { baseDelayMs: 60_000, maxDelayMs: 60_000 });
    reporter.report(s('pending'));
    reporter.report({ ...s('success'), commit: 'd'.repeat(40) });
    const started = Date.now();
    await reporter.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(provider.posted).toEqual([]);
    reporter.report(s('error'));
    await reporter.flush();
    expect(provider.posted).toEqual([]);
  });

  it('keeps delivering when the state file cannot be written', async () => {
    const blocked = path.join(tmp, 'blocked');
    await writeFile(blocked, 'a file where the state folder should be');
    const provider = new Recorder();
    const reporter = new StatusReporter({ project: 'p', provider, stateDir: blocked });
    reporter.report(s('pending'));
    reporter.report({ ...s('success'), commit: 'e'.repeat(40) });
    await reporter.flush();
    expect(provider.posted.map((p) => p.state)).toEqual(['pending', 'success']);
  });

  it('treats a plain thrown error as retryable', async () => {
    let calls = 0;
    const flaky: StatusProvider = {
      name: 'flaky',
      post: async () => {
        if (++calls === 1) throw new Error('socket hang up');
      },
    };
    const results: DeliveryResult[] = [];
    const reporter = make(flaky, { onDelivery: (r) => results.push(r) });
    reporter.report(s('success'));
    await reporter.flush();
    expect(results).toEqual(['retry', 'ok']);
  });

  it('recognises a status already delivered without queueing it (each idle pass reports it again)', async () => {
    const provider = new Recorder();
    const reporter = make(provider);
    reporter.report(s('success'));
    await reporter.flush();
    const lookups = vi.spyOn(DeliveredStore.prototype, 'get');
    try {
      for (let i = 0; i < 5; i++) reporter.report(s('success'));
      await reporter.flush();
      expect(lookups).not.toHaveBeenCalled();
      // Anything else still goes out, and the same success after it too.
      reporter.report(s('pending'));
      reporter.report(s('pending'));
      await reporter.flush();
      reporter.report(s('success'));
      await reporter.flush();
      expect(provider.posted.map((p) => p.state)).toEqual(['success', 'pending', 'success']);
    } finally {
      lookups.mockRestore();
    }
  });
});
