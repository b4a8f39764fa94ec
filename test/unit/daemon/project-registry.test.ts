import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProjectConfig, SpinConfig } from '../../../src/config/types.js';
import { ProjectRegistry, type ProjectRuntime } from '../../../src/daemon/project-registry.js';
import { DaemonReadView } from '../../../src/daemon/read-view.js';
import { PersistedStatuses } from '../../../src/daemon/status-persistence.js';
import type { GitSource } from '../../../src/git/index.js';
import type { ProjectContext } from '../../../src/reconciler/reconcile-project.js';
import { StatusStore } from '../../../src/status/store.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

/** A runtime with just what the registry and the read view look at. */
function runtime(name: string): ProjectRuntime {
  const project = { name, pollIntervalMs: 60_000 } as ProjectConfig;
  const source = { describe: name } as unknown as GitSource;
  return { ctx: { project, source } as ProjectContext, suspended: false, containers: [] };
}

describe('ProjectRegistry', () => {
  it('lists names sorted and hands out a project’s config and source', () => {
    const registry = new ProjectRegistry();
    for (const name of ['web', 'api', 'db']) registry.add(runtime(name));
    expect(registry.names()).toEqual(['api', 'db', 'web']);
    expect(registry.project('db')?.config.name).toBe('db');
    expect(registry.project('nope')).toBeUndefined();
    registry.delete('db');
    expect(registry.has('db')).toBe(false);
    expect(registry.names()).toEqual(['api', 'web']);
  });

  it('tells a pass whether the runtime it started with was replaced by a reload', () => {
    const registry = new ProjectRegistry();
    const old = runtime('web');
    registry.add(old);
    expect(registry.isCurrent('web', old)).toBe(true);
    const replaced = runtime('web');
    registry.add(replaced);
    expect(registry.isCurrent('web', old)).toBe(false);
    expect(registry.isCurrent('web', replaced)).toBe(true);
    registry.delete('web');
    expect(registry.isCurrent('web', replaced)).toBe(false);
  });
});

describe('PersistedStatuses and the read view', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('registry');
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  it('serves Unknown before the first pass, and only configured projects', async () => {
    const registry = new ProjectRegistry();
    const statuses = new PersistedStatuses(dir);
    const view = new DaemonReadView(registry, statuses, () => ({ stateDir: dir }) as SpinConfig);
    registry.add(runtime('web'));
    expect(view.status('web')).toMatchObject({ project: 'web', sync: 'Unknown' });
    expect(view.persistedStatus('web')).toBeUndefined();
    expect(view.status('gone')).toBeUndefined();
    await statuses.record('gone', { ...statuses.current('gone'), sync: 'Synced' });
    expect(view.status('gone')).toBeUndefined();
    expect(view.allStatuses().map((s) => s.project)).toEqual(['web']);
    expect(view.containers('gone')).toEqual([]);
    expect(view.currentConfig().stateDir).toBe(dir);
  });

  it('shows an environment as such before its first pass', () => {
    const registry = new ProjectRegistry();
    const view = new DaemonReadView(registry, new PersistedStatuses(dir), () => ({}) as SpinConfig);
    const unit = runtime('gateway--dev');
    unit.ctx.project.environment = { project: 'gateway', name: 'dev' };
    registry.add(unit);
    registry.add(runtime('web'));
    expect(view.allStatuses().map((s) => [s.project, s.sync, s.environment])).toEqual([
      ['gateway--dev', 'Unknown', { project: 'gateway', name: 'dev' }],
      ['web', 'Unknown', undefined],
    ]);
  });

  it('loads what an earlier process wrote, and writes an idle pass again only once a minute', async () => {
    const store = new StatusStore(dir);
    await store.write({ ...new PersistedStatuses(dir).current('web'), sync: 'Synced', suspended: true });
    const statuses = new PersistedStatuses(dir);
    expect((await statuses.load('web'))?.suspended).toBe(true);
    expect(statuses.get('web')?.sync).toBe('Synced');

    const converged = { ...statuses.current('web'), suspended: false, lastReconcile: 'T1' };
    await statuses.record('web', converged);
    expect((await store.read('web'))?.lastReconcile).toBe('T1');
    // Only the timestamp moved: in memory at once, on disk not yet.
    await statuses.record('web', { ...converged, lastReconcile: 'T2' });
    expect(statuses.get('web')?.lastReconcile).toBe('T2');
    expect((await store.read('web'))?.lastReconcile).toBe('T1');
    // Anything else changed: written.
    await statuses.record('web', { ...converged, lastReconcile: 'T3', health: 'Healthy' });
    expect((await store.read('web'))?.lastReconcile).toBe('T3');
  });

  it('shows a pass’s containers and last actions through the view, by project', () => {
    const registry = new ProjectRegistry();
    const view = new DaemonReadView(registry, new PersistedStatuses(dir), () => ({}) as SpinConfig);
    const web = runtime('web');
    web.lastActions = { at: 'T', actions: [] };
    registry.add(web);
    expect(view.lastActions('web')).toEqual({ at: 'T', actions: [] });
    expect(view.lastActions('api')).toBeUndefined();
    expect(view.projectNames()).toEqual(['web']);
  });
});
