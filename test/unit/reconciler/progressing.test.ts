import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitSource } from '../../../src/git/index.js';
import type { DesiredResult } from '../../../src/reconciler/desired.js';
import { reconcileProject, type ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';
import { createLogger } from '../../../src/util/logger.js';
import { desiredOf, model, service } from './fixtures.js';
import { localProject } from './local-project.js';
import { ServiceMemoryDriver } from './service-memory-driver.js';

/**
 * A pass that does not block on readiness: on an engine whose steps answer `progressing` (a unit
 * still starting, or waiting for one it depends on), the pass ends at once and asks to be run
 * again after the driver's `retryAfterMs`; the next passes go on from what then runs.
 */
const P = 'progproj';
const COMMIT = 'a'.repeat(40);
const started = { condition: 'service_started' as const, required: true, restart: false };
const desired = desiredOf(
  model(P, [service('db', { image: 'spin-test/slow:1' }), service('web', { dependsOn: { db: started } })]),
  COMMIT,
);

describe('a pass on an engine whose steps answer progressing', () => {
  let dir: string;
  let driver: ServiceMemoryDriver;
  let ctx: ProjectContext;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-progress-'));
    driver = new ServiceMemoryDriver();
    driver.startLists = (image) => (image === 'spin-test/slow:1' ? 3 : 0);
    const source = {
      gitdir: dir,
      resolveHead: async () => COMMIT,
      readerAt: () => ({ readFile: async () => undefined }),
    } as unknown as GitSource;
    ctx = {
      project: localProject(P, dir),
      source,
      driver,
      stateDir: dir,
      log: createLogger({ level: 'silent' }),
      desiredCache: new Map<string, DesiredResult>([[COMMIT, { ok: true, desired, warnings: [] }]]),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ends the pass while a unit starts, looks again after N ms, and goes on once it runs', async () => {
    const first = await reconcileProject(ctx, await driver.listActual(), undefined);
    // db was created and is starting; web, which depends on it, was left for a later pass.
    expect(driver.calls).toEqual(['create deployment:db']);
    expect(first.requeueAfterMs).toBe(50);
    // Not applied yet while a step is on its way: `appliedCommit` names a commit that is rolled out.
    expect(first.status).toMatchObject({ sync: 'OutOfSync', desiredCommit: COMMIT, lastResult: 'applied' });
    expect(first.status.appliedCommit).toBeUndefined();
    expect(first.status.lastHealthyCommit).toBeUndefined();
    expect(first.progressing?.retryAfterMs).toBe(50);
    expect(first.status.services?.db?.health).toBe('Progressing');

    let previous: ProjectStatus = first.status;
    for (let pass = 0; pass < 10 && previous.health !== 'Healthy'; pass++) {
      const outcome = await reconcileProject(ctx, await driver.listActual(), previous);
      previous = outcome.status;
    }
    expect(previous).toMatchObject({
      health: 'Healthy',
      sync: 'Synced',
      appliedCommit: COMMIT,
      lastHealthyCommit: COMMIT,
    });
    // web was created once, and only after db ran.
    expect(driver.calls).toEqual(['create deployment:db', 'create deployment:web']);
    expect([...driver.units.values()].map((u) => [u.service, u.state])).toEqual([
      ['db', 'running'],
      ['web', 'running'],
    ]);
  });
});
