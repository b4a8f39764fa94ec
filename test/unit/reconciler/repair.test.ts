import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitSource } from '../../../src/git/index.js';
import { reconcileProject, type ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';
import { deployVerdict } from '../../../src/daemon/commit-statuses.js';
import { createLogger } from '../../../src/util/logger.js';
import { desiredOf, model, service } from './fixtures.js';
import { ENGINES, type EngineUnderTest } from './engines.js';
import { localProject } from './local-project.js';

const P = 'repairproj';
const COMMIT = 'a'.repeat(40);
const web = service('web', {
  updateConfig: {
    parallelism: 1,
    delayMs: 0,
    order: 'stop-first',
    failureAction: 'rollback',
    monitorMs: 300,
  },
});
const desired = desiredOf(model(P, [web]), COMMIT);

describe.each(ENGINES)('repairing drift of the last healthy commit (%s)', (_shape, makeEngine) => {
  let dir: string;
  let engine: EngineUnderTest;
  let ctx: ProjectContext;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-repair-'));
    engine = makeEngine(P);
    engine.crashes = () => true;
    const project = localProject(P, dir);
    const source = {
      gitdir: dir,
      resolveHead: async () => COMMIT,
      readerAt: () => ({ readFile: async () => undefined }),
    } as unknown as GitSource;
    ctx = {
      project,
      source,
      driver: engine.driver,
      stateDir: dir,
      log: createLogger({ level: 'silent' }),
      // The parsed commit, as loadDesired would have cached it.
      desiredCache: new Map([[COMMIT, { ok: true, desired, warnings: [] }]]),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const healthyBefore: ProjectStatus = {
    project: P,
    sync: 'Synced',
    health: 'Healthy',
    healthReason: '',
    services: {},
    desiredCommit: COMMIT,
    appliedCommit: COMMIT,
    lastHealthyCommit: COMMIT,
    lastResult: 'converged',
  };

  it('keeps retrying a repaired container that does not become ready, then is Healthy again', async () => {
    // The container is gone (docker rm -f) and its replacement keeps exiting.
    let previous = healthyBefore;
    for (let pass = 0; pass < 7; pass++) {
      const outcome = await reconcileProject(ctx, await engine.driver.listActual(), previous);
      expect(outcome.actions.map((a) => a.kind)).toEqual([pass === 0 ? 'create' : 'start']);
      expect(outcome.rolledBack).toBe(false);
      expect(outcome.status.failedCommit).toBeUndefined();
      expect(outcome.status.appliedCommit).toBe(COMMIT);
      expect(outcome.status.lastHealthyCommit).toBe(COMMIT);
      expect(outcome.status.health).toBe('Degraded');
      expect(outcome.status.healthReason).toContain('web');
      expect(outcome.status.lastError?.reason).toBe('RepairFailed');
      expect(outcome.status.retry).toEqual({ commit: COMMIT, attempts: pass + 1 });
      expect(outcome.requeueAfterMs).toBeLessThanOrEqual(5 * 60_000 * 1.25);
      expect(deployVerdict(outcome.status)?.state).not.toBe('failure');
      previous = outcome.status;
    }

    engine.crashes = () => false;
    const repaired = await reconcileProject(ctx, await engine.driver.listActual(), previous);
    expect(repaired.actions.map((a) => a.kind)).toEqual(['start']);
    expect(repaired.driftRepairs).toBe(1);
    expect(repaired.status.health).toBe('Healthy');
    expect(repaired.status.sync).toBe('Synced');
    expect(repaired.status.retry).toBeUndefined();
    expect(repaired.status.lastError).toBeUndefined();
    expect(repaired.status.appliedCommit).toBe(COMMIT);
    expect(deployVerdict(repaired.status)?.state).toBe('success');
  });

  it('still marks a new commit failed when its rollout does not become ready', async () => {
    const older = { ...healthyBefore, lastHealthyCommit: 'b'.repeat(40), appliedCommit: 'b'.repeat(40) };
    const outcome = await reconcileProject(ctx, await engine.driver.listActual(), older);
    expect(outcome.status.failedCommit?.commit).toBe(COMMIT);
    expect(outcome.status.lastError?.reason).toBe('RolloutFailed');
  });

  it('does not hold the last healthy commit that an older status marked failed', async () => {
    engine.crashes = () => false;
    const stuck: ProjectStatus = {
      ...healthyBefore,
      failedCommit: { commit: COMMIT, reason: 'web exited with code 1', at: new Date().toISOString() },
    };
    const outcome = await reconcileProject(ctx, await engine.driver.listActual(), stuck);
    expect(outcome.actions.map((a) => a.kind)).toEqual(['create']);
    expect(outcome.status.health).toBe('Healthy');
    expect(outcome.status.failedCommit).toBeUndefined();
  });
});
