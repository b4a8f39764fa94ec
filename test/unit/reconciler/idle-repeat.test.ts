import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitSource } from '../../../src/git/index.js';
import type { ActualState } from '../../../src/model/actual-state.js';
import type { DesiredResult } from '../../../src/reconciler/desired.js';
import {
  IDLE_MEMO_MAX_AGE_MS,
  engineFingerprint,
  isMemoisable,
  repeatsIdlePass,
} from '../../../src/reconciler/idle-memo.js';
import { imageMemory } from '../../../src/reconciler/image-pins.js';
import { reconcileProject, type ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';
import { createLogger } from '../../../src/util/logger.js';
import { ENGINES, type EngineUnderTest } from './engines.js';
import { desiredOf, model, service } from './fixtures.js';
import { localProject } from './local-project.js';

/**
 * The idle pass repeated (issue 13): a poll that finds the same head and the same engine gives
 * the last idle pass's answer without gating or planning again, and anything that changed (what
 * runs, the head, the daemon's memory, a due image check, the memo's age) makes a full pass.
 */
const P = 'idleproj';
const ONE = '1'.repeat(40);
const TWO = '2'.repeat(40);

/** Counts how often the gate asked for a parsed commit. */
class CountingCache extends Map<string, DesiredResult> {
  reads = 0;
  override get(key: string): DesiredResult | undefined {
    this.reads++;
    return super.get(key);
  }
}

describe.each(ENGINES)('repeating an idle pass (%s)', (_shape, makeEngine) => {
  let dir: string;
  let engine: EngineUnderTest;
  let head: string;
  let cache: CountingCache;
  let ctx: ProjectContext;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-idle-'));
    engine = makeEngine(P);
    head = ONE;
    cache = new CountingCache([
      [ONE, { ok: true, desired: desiredOf(model(P, [service('web')]), ONE), warnings: [] }],
      [TWO, { ok: true, desired: desiredOf(model(P, [service('web', { replicas: 2 })]), TWO), warnings: [] }],
    ]);
    ctx = {
      project: localProject(P, dir),
      source: {
        gitdir: dir,
        resolveHead: async () => head,
        readerAt: () => ({ readFile: async () => undefined }),
      } as unknown as GitSource,
      driver: engine.driver,
      stateDir: dir,
      log: createLogger({ level: 'silent' }),
      desiredCache: cache,
      checkouts: {},
      idle: {},
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const pass = async (previous: ProjectStatus | undefined, actual?: ActualState) =>
    reconcileProject(ctx, actual ?? (await engine.driver.listActual()), previous);

  /** Deploys, then runs the first idle pass, which leaves the memo. */
  const settled = async () => {
    const deployed = await pass(undefined);
    expect(deployed.actions.length).toBeGreaterThan(0);
    const idle = await pass(deployed.status);
    expect(idle.status.lastResult).toBe('converged');
    expect(idle.repeated).toBeUndefined();
    return idle;
  };

  it('repeats the idle answer without reading the commit again, and keeps its status fields', async () => {
    const idle = await settled();
    const reads = cache.reads;
    const calls = engine.calls();
    const again = await pass(idle.status);
    expect(again.repeated).toBe(true);
    expect(again.actions).toEqual([]);
    expect(cache.reads).toBe(reads);
    expect(engine.calls()).toBe(calls);
    const { lastReconcile: _a, lastDurationMs: _b, ...kept } = idle.status;
    expect(again.status).toMatchObject(kept);
    expect(again.status).not.toBe(idle.status);
    // And the repeat repeats: its own status is the one the next pass must be given.
    expect((await pass(again.status)).repeated).toBe(true);
    expect((await pass(idle.status)).repeated).toBeUndefined();
  });

  it('makes a full pass when what runs changed, and repairs it', async () => {
    const idle = await settled();
    const actual = await engine.driver.listActual();
    const stopped: ActualState = {
      ...actual,
      containers: actual.containers.map((c) => ({ ...c, state: 'exited' as const, exitCode: 137 })),
    };
    const repaired = await pass(idle.status, stopped);
    expect(repaired.repeated).toBeUndefined();
    expect(repaired.actions.length).toBeGreaterThan(0);
  });

  it('makes a full pass for a new head', async () => {
    const idle = await settled();
    head = TWO;
    const next = await pass(idle.status);
    expect(next.repeated).toBeUndefined();
    expect(next.status.desiredCommit).toBe(TWO);
    expect(next.actions.length).toBeGreaterThan(0);
  });

  it('makes a full pass when the daemon replaced the status (a pin, a suspension, an operator verb)', async () => {
    const idle = await settled();
    const next = await pass({ ...idle.status });
    expect(next.repeated).toBeUndefined();
    expect(next.status.lastResult).toBe('converged');
  });

  it('makes a full pass when an image-update check is due', async () => {
    const idle = await settled();
    ctx.images = { ...imageMemory(), updateDue: true };
    const next = await pass(idle.status);
    expect(next.repeated).toBeUndefined();
    expect(ctx.images.updateDue).toBe(false);
  });
});

describe('repeatsIdlePass', () => {
  const status = { project: P } as ProjectStatus;
  const memo = { head: ONE, engine: 'e', status, at: 1_000_000 };
  const input = { head: ONE, engine: 'e', previous: status, now: 1_000_500, updatesDue: false };

  it('holds only while every input is the same and the memo is young', () => {
    expect(repeatsIdlePass(memo, input)).toBe(true);
    expect(repeatsIdlePass(undefined, input)).toBe(false);
    expect(repeatsIdlePass(memo, { ...input, head: TWO })).toBe(false);
    expect(repeatsIdlePass(memo, { ...input, engine: 'f' })).toBe(false);
    expect(repeatsIdlePass(memo, { ...input, previous: { ...status } })).toBe(false);
    expect(repeatsIdlePass(memo, { ...input, updatesDue: true })).toBe(false);
    expect(repeatsIdlePass(memo, { ...input, now: memo.at + IDLE_MEMO_MAX_AGE_MS })).toBe(false);
    expect(repeatsIdlePass(memo, { ...input, now: memo.at - 1 })).toBe(false);
  });

  it('memoises only a pass that did nothing, left nothing pending and read no secrets or configs', () => {
    const plain = model(P, [service('web')]);
    const secret = model(P, [
      service('web', { secrets: [{ source: 'db', target: '/run/secrets/db', uid: 0, gid: 0, mode: 0o400 }] }),
    ]);
    const pass = { actions: 0, healthy: true, error: false, recheckAfterMs: undefined, model: plain };
    expect(isMemoisable(pass)).toBe(true);
    expect(isMemoisable({ ...pass, actions: 1 })).toBe(false);
    expect(isMemoisable({ ...pass, healthy: false })).toBe(false);
    expect(isMemoisable({ ...pass, error: true })).toBe(false);
    expect(isMemoisable({ ...pass, recheckAfterMs: 2000 })).toBe(false);
    expect(isMemoisable({ ...pass, model: secret })).toBe(false);
  });

  it('fingerprints every field a pass plans or judges health from', () => {
    const base: ActualState = {
      containers: [
        {
          id: 'c1',
          name: 'n',
          project: P,
          service: 'web',
          replica: 1,
          commit: ONE,
          configHash: 'h',
          state: 'running',
          health: 'healthy',
          image: 'i',
          createdAt: 1,
          labels: {},
        },
      ],
      networks: [{ id: 'n1', name: 'net', project: P, key: 'default' }],
      volumes: [{ name: 'v', project: P, key: 'data' }],
    };
    const fp = engineFingerprint(base);
    const c = base.containers[0]!;
    const variants: ActualState[] = [
      { ...base, containers: [{ ...c, state: 'exited' }] },
      { ...base, containers: [{ ...c, health: 'unhealthy' }] },
      { ...base, containers: [{ ...c, configHash: 'g' }] },
      { ...base, containers: [{ ...c, id: 'c2' }] },
      { ...base, containers: [{ ...c, imageDigest: 'sha256:x' }] },
      { ...base, containers: [{ ...c, runtime: { memoryBytes: 1 } as NonNullable<typeof c.runtime> }] },
      { ...base, containers: [] },
      { ...base, networks: [] },
      { ...base, volumes: [] },
    ];
    for (const v of variants) expect(engineFingerprint(v)).not.toBe(fp);
    expect(engineFingerprint(structuredClone(base))).toBe(fp);
  });
});
