import { describe, expect, it } from 'vitest';
import {
  ENGINE_RETRY_MS,
  RECHECK_PROGRESSING_MS,
  isIdlePass,
  passStatus,
  type HealthFields,
  type PassFacts,
} from '../../../src/reconciler/pass-status.js';
import type { Action } from '../../../src/reconciler/plan.js';
import { MAX_APPLY_ATTEMPTS, retryDelayMs } from '../../../src/reconciler/retry.js';
import type { LastError, ProjectStatus } from '../../../src/status/project-status.js';

const HEAD = 'h'.repeat(40);
const OLD = 'o'.repeat(40);
const POLL = 60_000;
const at = '2026-12-01T00:00:00.000Z';
const healthy: HealthFields = { health: 'Healthy', healthReason: '', services: {} };
const progressing: HealthFields = { health: 'Progressing', healthReason: 'web starting', services: {} };
const previous: ProjectStatus = {
  project: 'p',
  sync: 'Synced',
  health: 'Healthy',
  healthReason: '',
  services: {},
  desiredCommit: OLD,
  appliedCommit: OLD,
  lastHealthyCommit: OLD,
  lastResult: 'converged',
  failedCommit: { commit: 'f'.repeat(40), reason: 'old failure', at },
};
const create: Action = { kind: 'start', service: 'web', replica: 1, name: 'p-web-1', containerId: 'c1' };
const failed = { commit: HEAD, reason: 'web exited with code 1', at };
const engineError: LastError = { reason: 'EngineUnavailable', message: 'down', commit: OLD, at };

/** The backoff of an attempt, whatever its jitter drew. */
function expectBackoff(ms: number, attempt: number): void {
  expect(ms).toBeGreaterThanOrEqual(retryDelayMs(attempt, () => 0));
  expect(ms).toBeLessThanOrEqual(retryDelayMs(attempt, () => 1));
}

function facts(health: HealthFields = healthy, prev: ProjectStatus | undefined = previous): PassFacts {
  return { project: 'p', previous: prev, health, pollIntervalMs: POLL, startedAt: 1_000, now: 1_250 };
}

describe('passStatus', () => {
  it('always carries the base: project, last applied and healthy commits, timing, health', () => {
    const { status } = passStatus({ kind: 'synced', head: OLD, plan: [] }, facts());
    expect(status).toMatchObject({
      project: 'p',
      lastReconcile: new Date(1_000).toISOString(),
      lastDurationMs: 250,
      health: 'Healthy',
    });
  });

  it('a rollout still on its way is not applied yet: OutOfSync, Progressing even while the old replicas are healthy, looked at again as asked', () => {
    const recheck = { afterMs: 700, reason: 'p_web_1 is starting' };
    const s = passStatus({ kind: 'synced', head: HEAD, plan: [create], recheck }, facts(healthy));
    expect(s.requeueAfterMs).toBe(700);
    expect(s.status).toMatchObject({
      sync: 'OutOfSync',
      health: 'Progressing',
      healthReason: 'p_web_1 is starting',
      desiredCommit: HEAD,
      appliedCommit: OLD,
      lastHealthyCommit: OLD,
      lastResult: 'applied',
    });
    // Asked to look again later than the usual recheck of a starting project: the recheck wins.
    const late = { afterMs: 60_000, reason: 'p_web_1 is starting' };
    expect(
      passStatus({ kind: 'synced', head: HEAD, plan: [create], recheck: late }, facts()).requeueAfterMs,
    ).toBe(RECHECK_PROGRESSING_MS);
  });

  it('an unreadable head keeps what was desired and failed, and reports the source', () => {
    const s = passStatus({ kind: 'unreachable', reason: 'SourceUnavailable', message: 'git down' }, facts());
    expect(s.requeueAfterMs).toBe(POLL);
    expect(s.status).toMatchObject({
      sync: 'Unknown',
      desiredCommit: OLD,
      appliedCommit: OLD,
      failedCommit: previous.failedCommit,
      lastResult: 'error',
      lastError: { reason: 'SourceUnavailable', message: 'git down' },
    });
    expect(s.status.lastError?.commit).toBeUndefined();
  });

  it('a refused head is OutOfSync and named refused, with the error as marked', () => {
    const error: LastError = { reason: 'InvalidCommit', message: 'compose.yaml:1:1: x: y', commit: HEAD, at };
    const s = passStatus({ kind: 'refused', head: HEAD, error }, facts());
    expect(s.status).toMatchObject({
      sync: 'OutOfSync',
      desiredCommit: HEAD,
      refusedCommit: HEAD,
      appliedCommit: OLD,
      lastError: error,
      lastResult: 'refused',
    });
    expect(s.rolledBack).toBe(false);
  });

  it('a synced healthy head becomes the last healthy commit; a progressing one is looked at again soon', () => {
    const done = passStatus({ kind: 'synced', head: HEAD, plan: [create] }, facts());
    expect(done.status).toMatchObject({
      sync: 'Synced',
      appliedCommit: HEAD,
      lastHealthyCommit: HEAD,
      lastResult: 'applied',
      lastPlan: { started: 1, created: 0, removed: 0 },
    });
    expect(done.requeueAfterMs).toBe(POLL);
    const starting = passStatus({ kind: 'synced', head: HEAD, plan: [] }, facts(progressing));
    expect(starting.status).toMatchObject({
      lastHealthyCommit: OLD,
      lastResult: 'converged',
      health: 'Progressing',
    });
    expect(starting.status.lastPlan).toBeUndefined();
    expect(starting.requeueAfterMs).toBe(RECHECK_PROGRESSING_MS);
  });

  it('a pinned commit applied counts as a rollback; failing to apply keeps the applied commit', () => {
    const pinned = { commit: OLD, head: HEAD, at };
    const ok = passStatus({ kind: 'pinned', head: HEAD, pinned, plan: [create] }, facts());
    expect(ok.status).toMatchObject({ appliedCommit: OLD, pinned, lastResult: 'applied', sync: 'OutOfSync' });
    expect(ok.rolledBack).toBe(true);
    const noop = passStatus({ kind: 'pinned', head: HEAD, pinned, plan: [] }, facts());
    expect(noop.status.lastResult).toBe('converged');
    expect(noop.rolledBack).toBe(false);
    const prev = { ...previous, appliedCommit: HEAD };
    const broken = passStatus(
      { kind: 'pinned', head: HEAD, pinned, plan: [create], applyError: engineError },
      facts(healthy, prev),
    );
    expect(broken.status).toMatchObject({
      appliedCommit: HEAD,
      lastResult: 'failed',
      lastError: engineError,
    });
    expect(broken.rolledBack).toBe(false);
    expect(broken.requeueAfterMs).toBe(ENGINE_RETRY_MS);
  });

  it('a pinned commit that no longer passes the gate drops the pin', () => {
    const pinned = { commit: OLD, head: HEAD, at };
    const s = passStatus({ kind: 'pin-refused', head: HEAD, pinned }, facts());
    expect(s.status.pinned).toBeUndefined();
    expect(s.status.lastError?.message).toBe(`rollback target ${OLD.slice(0, 12)} no longer passes the gate`);
    expect(s.status.lastResult).toBe('refused');
  });

  it('a held commit is Degraded with the failure, and rolled back only when the target was restored', () => {
    const restored = passStatus({ kind: 'held', head: HEAD, failed, restored: OLD, plan: [create] }, facts());
    expect(restored.status).toMatchObject({
      health: 'Degraded',
      healthReason: `commit ${HEAD.slice(0, 12)} was rolled back: web exited with code 1`,
      appliedCommit: OLD,
      failedCommit: failed,
      lastError: { reason: 'RolloutFailed', message: failed.reason, commit: HEAD },
      lastResult: 'failed',
    });
    expect(restored.rolledBack).toBe(true);
    const nothingToDo = passStatus({ kind: 'held', head: HEAD, failed, restored: OLD, plan: [] }, facts());
    expect(nothingToDo.rolledBack).toBe(false);
    const noTarget = passStatus({ kind: 'held', head: HEAD, failed, plan: [] }, facts());
    expect(noTarget.status.appliedCommit).toBe(OLD);
    const broken = passStatus(
      { kind: 'held', head: HEAD, failed, restored: OLD, plan: [create], applyError: engineError },
      facts(),
    );
    expect(broken.status.lastError).toEqual(engineError);
    expect(broken.requeueAfterMs).toBe(ENGINE_RETRY_MS);
  });

  it('an unreachable engine is Unknown and looked at again soon', () => {
    const s = passStatus({ kind: 'engine-unavailable', head: HEAD, message: 'ECONNREFUSED' }, facts());
    expect(s.status).toMatchObject({ sync: 'Unknown', lastResult: 'error', desiredCommit: HEAD });
    expect(s.status.lastError).toMatchObject({ reason: 'EngineUnavailable', commit: HEAD });
    expect(s.requeueAfterMs).toBe(ENGINE_RETRY_MS);
  });

  it('a retried engine error counts attempts and backs off', () => {
    const s = passStatus(
      { kind: 'retrying', head: HEAD, attempts: 2, message: 'conflict', plan: [create] },
      facts(),
    );
    expect(s.status.retry).toEqual({ commit: HEAD, attempts: 2 });
    expect(s.status.lastError?.message).toBe(`conflict (attempt 2 of ${MAX_APPLY_ATTEMPTS})`);
    expect(s.status.lastResult).toBe('failed');
    expectBackoff(s.requeueAfterMs, 2);
  });

  it('a paused rollout is Degraded and marks the commit failed', () => {
    const s = passStatus({ kind: 'paused', head: HEAD, failed }, facts());
    expect(s.status).toMatchObject({
      health: 'Degraded',
      healthReason: `rollout of ${HEAD.slice(0, 12)} paused: web exited with code 1`,
      failedCommit: failed,
      lastError: { reason: 'RolloutFailed' },
    });
    expect(s.status.lastPlan).toBeUndefined();
    expect(s.requeueAfterMs).toBe(POLL);
  });

  it('a failed repair keeps the commit applied and healthy-known, and retries', () => {
    const prev = { ...previous, appliedCommit: HEAD, lastHealthyCommit: HEAD };
    const s = passStatus(
      { kind: 'repair-failed', head: HEAD, attempts: 3, what: 'web: exited', plan: [create] },
      facts(healthy, prev),
    );
    expect(s.status).toMatchObject({
      health: 'Degraded',
      healthReason: 'repair of web: exited failed; retrying (attempt 3)',
      appliedCommit: HEAD,
      lastHealthyCommit: HEAD,
      retry: { commit: HEAD, attempts: 3 },
      lastError: { reason: 'RepairFailed', message: 'web: exited' },
    });
    expect(s.status.failedCommit).toBeUndefined();
    expectBackoff(s.requeueAfterMs, 3);
  });
});

describe('isIdlePass', () => {
  it('is idle only when nothing was done and what status shows is unchanged', () => {
    const { status } = passStatus({ kind: 'synced', head: OLD, plan: [] }, facts());
    expect(isIdlePass(status, 0, previous)).toBe(true);
    expect(isIdlePass(status, 1, previous)).toBe(false);
    expect(isIdlePass(status, 0, { ...previous, health: 'Degraded' })).toBe(false);
    expect(isIdlePass(status, 0, { ...previous, desiredCommit: HEAD })).toBe(false);
    expect(isIdlePass(status, 0, undefined)).toBe(false);
  });
});
