import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceError, type GitSource } from '../../../src/git/index.js';
import type { DesiredResult } from '../../../src/reconciler/desired.js';
import { reconcileProject, type ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';
import { createLogger } from '../../../src/util/logger.js';
import { desiredOf, model, service } from './fixtures.js';
import { ENGINES, type EngineUnderTest } from './engines.js';
import { localProject } from './local-project.js';

/**
 * Whole passes (gate, choice, execution, status) on in-memory engines of two resource shapes
 * (engines.ts): what they create is listed, units of the crash image exit, and `down` makes every
 * call fail like an unreachable engine socket.
 */
const P = 'passproj';
const GOOD = 'a'.repeat(40);
const BAD = 'b'.repeat(40);
const REFUSED = 'e'.repeat(40);
const rollback = {
  parallelism: 1,
  delayMs: 0,
  order: 'stop-first' as const,
  failureAction: 'rollback' as const,
  monitorMs: 300,
};
const good = desiredOf(model(P, [service('web', { updateConfig: rollback })]), GOOD);
const bad = desiredOf(
  model(P, [service('web', { image: 'spin-test/crash:1', updateConfig: rollback })]),
  BAD,
);

describe.each(ENGINES)('a whole pass on an in-memory engine (%s)', (_shape, makeEngine) => {
  let dir: string;
  let engine: EngineUnderTest;
  let head: string | Error;
  let ctx: ProjectContext;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-pass-'));
    engine = makeEngine(P);
    engine.crashes = (image) => image === 'spin-test/crash:1';
    head = GOOD;
    const project = localProject(P, dir);
    const source = {
      gitdir: dir,
      resolveHead: async () => {
        if (head instanceof Error) throw head;
        return head;
      },
      readerAt: () => ({ readFile: async () => undefined }),
    } as unknown as GitSource;
    const refused: DesiredResult = {
      ok: false,
      diagnostics: [
        {
          file: 'compose.yaml',
          line: 4,
          column: 5,
          rule: 'policy.privileged',
          message: 'privileged is not allowed',
          path: 'services.web.privileged',
        },
      ],
    };
    ctx = {
      project,
      source,
      driver: engine.driver,
      stateDir: dir,
      log: createLogger({ level: 'silent' }),
      // The parsed commits, as the gate's load would have cached them.
      desiredCache: new Map<string, DesiredResult>([
        [GOOD, { ok: true, desired: good, warnings: [] }],
        [BAD, { ok: true, desired: bad, warnings: [] }],
        [REFUSED, refused],
      ]),
      checkouts: {},
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const pass = async (previous: ProjectStatus | undefined) =>
    reconcileProject(ctx, await engine.driver.listActual(), previous);

  it('deploys the head onto an empty engine and records it healthy; the next pass is idle', async () => {
    const first = await pass(undefined);
    expect(first.actions.map((a) => a.kind)).toEqual(['create']);
    expect(first.status).toMatchObject({
      sync: 'Synced',
      health: 'Healthy',
      desiredCommit: GOOD,
      appliedCommit: GOOD,
      lastHealthyCommit: GOOD,
      lastResult: 'applied',
    });
    const second = await pass(first.status);
    expect(second.actions).toEqual([]);
    expect(second.status.lastResult).toBe('converged');
  });

  it('refuses an invalid head with its located finding and leaves what runs alone', async () => {
    const deployed = await pass(undefined);
    head = REFUSED;
    const calls = engine.calls();
    const outcome = await pass(deployed.status);
    expect(engine.calls()).toBe(calls);
    expect(outcome.status).toMatchObject({
      sync: 'OutOfSync',
      health: 'Healthy',
      desiredCommit: REFUSED,
      refusedCommit: REFUSED,
      appliedCommit: GOOD,
      lastResult: 'refused',
      lastError: {
        reason: 'InvalidCommit',
        message: 'compose.yaml:4:5: policy.privileged: privileged is not allowed',
      },
    });
    expect(outcome.status.lastError?.diagnostics).toHaveLength(1);
  });

  it('reports an unreadable repository without touching the engine', async () => {
    const deployed = await pass(undefined);
    head = new SourceError('unreachable', 'git server unreachable');
    const outcome = await pass(deployed.status);
    expect(outcome.actions).toEqual([]);
    expect(outcome.status).toMatchObject({
      sync: 'Unknown',
      health: 'Healthy',
      desiredCommit: GOOD,
      lastResult: 'error',
      lastError: { reason: 'SourceUnavailable', message: 'git server unreachable' },
    });
  });

  it('marks a head whose rollout fails, restores the last healthy commit, then holds it', async () => {
    const deployed = await pass(undefined);
    head = BAD;
    const failed = await pass(deployed.status);
    expect(failed.status).toMatchObject({
      health: 'Degraded',
      appliedCommit: GOOD,
      lastHealthyCommit: GOOD,
      failedCommit: { commit: BAD },
      lastError: { reason: 'RolloutFailed' },
      lastResult: 'failed',
    });
    // The same pass plans the rollback against what runs after the failed apply, so the last
    // healthy commit is back when it ends.
    expect(failed.rolledBack).toBe(true);
    expect(engine.units()).toEqual([[GOOD, 'running']]);
    const held = await pass(failed.status);
    expect(held.status.failedCommit).toEqual(failed.status.failedCommit);
    expect(held.status.healthReason).toContain(`commit ${BAD.slice(0, 12)} was rolled back`);
    expect(engine.units()).toEqual([[GOOD, 'running']]);
    expect(held.actions).toEqual([]);

    const idle = await pass(held.status);
    expect(idle.actions).toEqual([]);
    expect(idle.rolledBack).toBe(false);
    expect(idle.status.appliedCommit).toBe(GOOD);
  });

  it('runs an operator-pinned commit while the branch stays where it was', async () => {
    const deployed = await pass(undefined);
    head = BAD;
    const failed = await pass(deployed.status);
    // Forget the failure: only the pin brings the good commit back now.
    const pinned = { commit: GOOD, head: BAD, at: new Date().toISOString() };
    const outcome = await pass({ ...failed.status, failedCommit: undefined, pinned });
    expect(outcome.status).toMatchObject({
      pinned,
      appliedCommit: GOOD,
      sync: 'OutOfSync',
      desiredCommit: BAD,
    });
    expect(engine.units()).toEqual([[GOOD, 'running']]);
    const again = await pass(outcome.status);
    expect(again.actions).toEqual([]);
    expect(again.status).toMatchObject({ pinned, lastResult: 'converged' });
  });

  it('reports an unreachable engine and looks again soon, keeping the commit unmarked', async () => {
    const listed = await engine.driver.listActual();
    engine.down = true;
    const outcome = await reconcileProject(ctx, listed, undefined);
    expect(outcome.status).toMatchObject({
      sync: 'Unknown',
      lastResult: 'error',
      lastError: { reason: 'EngineUnavailable' },
    });
    // Named as the round names an engine whose list fails: `<engine>: <reason>`.
    expect(outcome.status.lastError?.message).toMatch(/^default: docker engine unreachable: /);
    expect(outcome.status.failedCommit).toBeUndefined();
    expect(outcome.requeueAfterMs).toBe(5_000);
  });
});
