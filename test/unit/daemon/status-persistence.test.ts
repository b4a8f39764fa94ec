import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistedStatuses } from '../../../src/daemon/status-persistence.js';
import { StatusStore } from '../../../src/status/store.js';
import type { ProjectStatus } from '../../../src/status/project-status.js';

/** Idle passes change only timestamps, so their status is written at most once a minute. */
describe('persisted statuses', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-statuses-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const status = (at: string, health: ProjectStatus['health'] = 'Healthy'): ProjectStatus => ({
    project: 'p',
    sync: 'Synced',
    health,
    healthReason: '',
    services: {},
    lastReconcile: at,
    lastResult: 'converged',
  });

  it('writes a changed status at once, and a repeated or timestamp-only one not again within the minute', async () => {
    const statuses = new PersistedStatuses(dir);
    const store = new StatusStore(dir);
    await statuses.record('p', status('2026-12-01T00:00:00.000Z'));
    expect((await store.read('p'))?.lastReconcile).toBe('2026-12-01T00:00:00.000Z');
    await statuses.record('p', status('2026-12-01T00:00:01.000Z'), { repeated: true });
    await statuses.record('p', status('2026-12-01T00:00:02.000Z'));
    expect((await store.read('p'))?.lastReconcile).toBe('2026-12-01T00:00:00.000Z');
    // In memory it is always the last one.
    expect(statuses.get('p')?.lastReconcile).toBe('2026-12-01T00:00:02.000Z');
    await statuses.record('p', status('2026-12-01T00:00:03.000Z', 'Degraded'));
    expect(await store.read('p')).toMatchObject({
      health: 'Degraded',
      lastReconcile: '2026-12-01T00:00:03.000Z',
    });
  });
});
