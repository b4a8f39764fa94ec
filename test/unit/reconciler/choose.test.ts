import { describe, expect, it } from 'vitest';
import {
  chooseAfterFailure,
  chooseRun,
  desiredFingerprint,
  driftRepairCount,
  type ApplyFailure,
  type PassMemory,
} from '../../../src/reconciler/choose.js';
import { MAX_APPLY_ATTEMPTS } from '../../../src/reconciler/retry.js';

const HEAD = 'h'.repeat(40);
const HEALTHY = 'g'.repeat(40);
const PRINT = 'f1f1f1f1f1f1f1f1';
const at = '2026-12-01T00:00:00.000Z';

const failedHead = { commit: HEAD, reason: 'web exited with code 1', at, fingerprint: PRINT };

describe('chooseRun', () => {
  it('deploys the head when nothing is remembered', () => {
    expect(chooseRun(HEAD, PRINT, undefined)).toEqual({ run: 'head' });
    expect(chooseRun(HEAD, PRINT, {})).toEqual({ run: 'head' });
  });

  it('runs the pinned commit while the branch is still at the pin head', () => {
    const pinned = { commit: HEALTHY, head: HEAD, at };
    expect(chooseRun(HEAD, PRINT, { pinned, failedCommit: failedHead })).toEqual({ run: 'pinned', pinned });
  });

  it('ends the pin once the branch moved on', () => {
    const pinned = { commit: HEALTHY, head: 'o'.repeat(40), at };
    expect(chooseRun(HEAD, PRINT, { pinned })).toEqual({ run: 'head' });
  });

  it('holds a failed head that would run what failed, rolling back to the last healthy commit', () => {
    const memory: PassMemory = { failedCommit: failedHead, lastHealthyCommit: HEALTHY };
    expect(chooseRun(HEAD, PRINT, memory)).toEqual({ run: 'hold', failed: failedHead, rollbackTo: HEALTHY });
  });

  it('holds without a rollback target when no commit was ever healthy', () => {
    expect(chooseRun(HEAD, PRINT, { failedCommit: failedHead })).toEqual({
      run: 'hold',
      failed: failedHead,
      rollbackTo: undefined,
    });
  });

  it('holds a failed commit recorded before fingerprints existed', () => {
    const old = { commit: HEAD, reason: 'x', at };
    expect(chooseRun(HEAD, PRINT, { failedCommit: old })).toMatchObject({ run: 'hold', failed: old });
  });

  it('tries a failed commit again when a rotated secret or edited config changed what it runs', () => {
    expect(chooseRun(HEAD, 'another-print', { failedCommit: failedHead })).toEqual({ run: 'head' });
  });

  it('never holds the last healthy commit (its failures are repairs)', () => {
    expect(chooseRun(HEAD, PRINT, { failedCommit: failedHead, lastHealthyCommit: HEAD })).toEqual({
      run: 'head',
    });
  });

  it('does not hold a head other than the failed commit', () => {
    const other = { ...failedHead, commit: 'o'.repeat(40) };
    expect(chooseRun(HEAD, PRINT, { failedCommit: other })).toEqual({ run: 'head' });
  });
});

describe('chooseAfterFailure', () => {
  const engineError: ApplyFailure = { engineUnavailable: false, message: 'conflict' };
  const rollout = (failureAction: 'pause' | 'rollback' | 'continue'): ApplyFailure => ({
    engineUnavailable: false,
    rollout: { service: 'web', reason: 'web exited with code 1', failureAction },
    message: 'rollout of web failed: web exited with code 1',
  });

  it('reports an unreachable engine before anything else', () => {
    const down = { engineUnavailable: true, message: 'connect ECONNREFUSED' };
    expect(chooseAfterFailure(HEAD, down, { lastHealthyCommit: HEAD })).toEqual({
      next: 'engine-unavailable',
    });
  });

  it('treats a failure of the last healthy commit as a repair, retried without bound', () => {
    const memory: PassMemory = { lastHealthyCommit: HEAD, retry: { commit: HEAD, attempts: 40 } };
    expect(chooseAfterFailure(HEAD, rollout('rollback'), memory)).toEqual({
      next: 'repair-failed',
      attempts: 41,
      what: 'web: web exited with code 1',
    });
    expect(chooseAfterFailure(HEAD, engineError, memory)).toEqual({
      next: 'repair-failed',
      attempts: 41,
      what: 'conflict',
    });
  });

  it('retries an engine error on a new commit, counting attempts per commit', () => {
    expect(chooseAfterFailure(HEAD, engineError, undefined)).toEqual({ next: 'retry', attempts: 1 });
    const again = { retry: { commit: HEAD, attempts: 1 } };
    expect(chooseAfterFailure(HEAD, engineError, again)).toEqual({ next: 'retry', attempts: 2 });
    const otherCommit = { retry: { commit: HEALTHY, attempts: 2 } };
    expect(chooseAfterFailure(HEAD, engineError, otherCommit)).toEqual({ next: 'retry', attempts: 1 });
  });

  it('gives up after the bound and rolls back like a failed rollout', () => {
    const memory: PassMemory = {
      lastHealthyCommit: HEALTHY,
      retry: { commit: HEAD, attempts: MAX_APPLY_ATTEMPTS - 1 },
    };
    expect(chooseAfterFailure(HEAD, engineError, memory)).toEqual({
      next: 'roll-back',
      attempts: MAX_APPLY_ATTEMPTS,
      reason: `gave up after ${MAX_APPLY_ATTEMPTS} attempts: conflict`,
      rollbackTo: HEALTHY,
    });
  });

  it('rolls a failed rollout back at once, to the last healthy commit when there is one', () => {
    expect(chooseAfterFailure(HEAD, rollout('rollback'), { lastHealthyCommit: HEALTHY })).toEqual({
      next: 'roll-back',
      attempts: 1,
      reason: 'web exited with code 1',
      rollbackTo: HEALTHY,
    });
    expect(chooseAfterFailure(HEAD, rollout('continue'), undefined)).toEqual({
      next: 'roll-back',
      attempts: 1,
      reason: 'web exited with code 1',
      rollbackTo: undefined,
    });
  });

  it('pauses a failed rollout whose service asked to pause', () => {
    expect(chooseAfterFailure(HEAD, rollout('pause'), { lastHealthyCommit: HEALTHY })).toEqual({
      next: 'pause',
      attempts: 1,
      reason: 'web exited with code 1',
    });
  });
});

describe('driftRepairCount', () => {
  it('counts the actions of an applied, in-sync commit as repairs', () => {
    expect(driftRepairCount(HEAD, 3, { appliedCommit: HEAD, sync: 'Synced' })).toBe(3);
  });

  it('counts them while a repair of the commit keeps failing', () => {
    const memory: PassMemory = {
      appliedCommit: HEAD,
      sync: 'OutOfSync',
      lastError: { reason: 'RepairFailed', message: 'web: exited', at },
    };
    expect(driftRepairCount(HEAD, 1, memory)).toBe(1);
  });

  it('does not count a new commit, or one that was never in sync', () => {
    expect(driftRepairCount(HEAD, 2, { appliedCommit: HEALTHY, sync: 'Synced' })).toBe(0);
    expect(driftRepairCount(HEAD, 2, { appliedCommit: HEAD, sync: 'OutOfSync' })).toBe(0);
    expect(driftRepairCount(HEAD, 2, undefined)).toBe(0);
  });
});

describe('desiredFingerprint', () => {
  it('is the same for the same hashes in any order and differs when one changes', () => {
    const a = desiredFingerprint({ web: '1', db: '2' });
    expect(desiredFingerprint({ db: '2', web: '1' })).toBe(a);
    expect(desiredFingerprint({ web: '1', db: '3' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });
});
