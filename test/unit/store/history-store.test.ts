import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  historyDbPath,
  openHistoryStore,
  type HistoryStore,
  type PassInput,
} from '../../../src/store/history-store.js';

let dir: string;
const open: HistoryStore[] = [];

function store(options: Partial<Parameters<typeof openHistoryStore>[0]> = {}): HistoryStore {
  const s = openHistoryStore({ path: historyDbPath(dir), ...options });
  open.push(s);
  return s;
}

function pass(overrides: Partial<PassInput> = {}): PassInput {
  return {
    project: 'alpha',
    commit: 'a'.repeat(40),
    result: 'converged',
    sync: 'Synced',
    health: 'Healthy',
    actions: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 12,
    ...overrides,
  };
}

const sha = (n: number) => n.toString(16).padStart(40, '0');

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'spin-store-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('history store', () => {
  it('creates the database under the state directory, including missing parents', () => {
    dir = path.join(dir, 'nested', 'state');
    const s = store();
    expect(s.ping()).toBe(true);
    expect(historyDbPath(dir)).toBe(path.join(dir, 'spin.db'));
  });

  it('round-trips a pass with its actions and error', () => {
    const s = store();
    const input = pass({
      result: 'failed',
      sync: 'OutOfSync',
      health: 'Degraded',
      actions: [
        { kind: 'create', name: 'alpha-web-1', ok: true, durationMs: 40 },
        {
          kind: 'recreate',
          name: 'alpha-db-1',
          ok: false,
          durationMs: 7,
          error: 'port is already allocated',
        },
      ],
      error: { reason: 'ApplyFailed', message: 'alpha-db-1: port is already allocated' },
    });
    const recorded = s.recordPass(input);
    expect(recorded.id).toBeGreaterThan(0);
    expect(s.listPasses('alpha')).toEqual([{ ...input, id: recorded.id }]);
  });

  it('keeps the pass id that ties the row to its log lines and commit status', () => {
    const s = store();
    s.recordPass(pass({ passId: '3f9a02c1' }));
    s.recordPass(pass());
    const [withoutId, withId] = s.listPasses('alpha');
    expect(withId?.passId).toBe('3f9a02c1');
    expect(withoutId).not.toHaveProperty('passId');
  });

  it('omits commit and error when the pass had none', () => {
    const s = store();
    s.recordPass(pass({ commit: undefined, result: 'error', sync: 'Unknown', health: 'Unknown' }));
    const [only] = s.listPasses('alpha');
    expect(only).not.toHaveProperty('commit');
    expect(only).not.toHaveProperty('error');
  });

  it('lists passes newest first, per project, and pages back with `before`', () => {
    const s = store();
    for (let i = 1; i <= 5; i++) s.recordPass(pass({ commit: sha(i) }));
    s.recordPass(pass({ project: 'beta', commit: sha(99) }));

    const firstPage = s.listPasses('alpha', { limit: 2 });
    expect(firstPage.map((p) => p.commit)).toEqual([sha(5), sha(4)]);
    const secondPage = s.listPasses('alpha', { limit: 2, before: firstPage.at(-1)?.id });
    expect(secondPage.map((p) => p.commit)).toEqual([sha(3), sha(2)]);
    expect(s.listPasses('beta').map((p) => p.commit)).toEqual([sha(99)]);
    expect(s.listPasses('nobody')).toEqual([]);
  });

  it('keeps history across close and reopen (a daemon restart)', () => {
    const first = store();
    first.recordPass(pass({ commit: sha(1) }));
    first.recordEvent('alpha', 'drift-repair', 'recreated alpha-web-1', { containers: ['alpha-web-1'] });
    first.close();
    expect(first.ping()).toBe(false);

    const second = store();
    expect(second.listPasses('alpha').map((p) => p.commit)).toEqual([sha(1)]);
    expect(second.listEvents('alpha')).toMatchObject([
      { kind: 'drift-repair', message: 'recreated alpha-web-1', data: { containers: ['alpha-web-1'] } },
    ]);
    expect(second.lastGoodCommits('alpha').map((g) => g.commit)).toEqual([sha(1)]);
  });

  it('keeps only the newest N passes per project, without touching other projects', () => {
    const s = store({ maxPassesPerProject: 5 });
    s.recordPass(pass({ project: 'beta', commit: sha(1000) }));
    for (let i = 1; i <= 23; i++) s.recordPass(pass({ commit: sha(i) }));

    const kept = s.listPasses('alpha', { limit: 100 });
    expect(kept.map((p) => p.commit)).toEqual([sha(23), sha(22), sha(21), sha(20), sha(19)]);
    expect(s.listPasses('beta')).toHaveLength(1);
  });

  it('holds the default bound of 500 passes after more are inserted, and after reopening', () => {
    const s = store();
    for (let i = 1; i <= 520; i++)
      s.recordPass(pass({ commit: sha(i), result: 'refused', health: 'Degraded' }));
    expect(s.listPasses('alpha', { limit: 1000 })).toHaveLength(500);
    s.close();
    const again = store();
    again.recordPass(pass({ commit: sha(521) }));
    const kept = again.listPasses('alpha', { limit: 1000 });
    expect(kept).toHaveLength(500);
    expect(kept[0]?.commit).toBe(sha(521));
    expect(kept.at(-1)?.commit).toBe(sha(22));
  });

  it('keeps only the newest M events per project, newest first', () => {
    const s = store({ maxEventsPerProject: 3, now: () => new Date('2026-02-03T04:05:06.000Z') });
    for (let i = 1; i <= 7; i++) s.recordEvent('alpha', 'rollback', `rollback ${i}`);
    s.recordEvent('beta', 'refused', 'policy says no');
    const events = s.listEvents('alpha', 10);
    expect(events.map((e) => e.message)).toEqual(['rollback 7', 'rollback 6', 'rollback 5']);
    expect(events[0]).toMatchObject({ project: 'alpha', kind: 'rollback', at: '2026-02-03T04:05:06.000Z' });
    expect(events[0]).not.toHaveProperty('data');
    expect(s.listEvents('beta', 10)).toHaveLength(1);
    expect(s.listEvents('alpha', 1)).toHaveLength(1);
  });

  it('rejects bounds that are not positive integers', () => {
    expect(() => store({ maxPassesPerProject: 0 })).toThrow(/maxPassesPerProject/);
  });
});

describe('lastGoodCommits', () => {
  it('lists distinct commits that were applied or converged and Healthy, most recently good first', () => {
    const s = store();
    s.recordPass(pass({ commit: sha(1), result: 'applied', startedAt: '2026-01-01T00:00:00.000Z' }));
    s.recordPass(pass({ commit: sha(1), result: 'converged', startedAt: '2026-01-01T00:01:00.000Z' }));
    s.recordPass(pass({ commit: sha(2), result: 'applied', health: 'Degraded' }));
    s.recordPass(pass({ commit: sha(3), result: 'refused', sync: 'OutOfSync', health: 'Healthy' }));
    s.recordPass(pass({ commit: sha(4), result: 'failed', health: 'Healthy' }));
    s.recordPass(pass({ commit: sha(5), result: 'converged', health: 'Progressing' }));
    s.recordPass(pass({ commit: sha(6), result: 'applied', startedAt: '2026-01-02T00:00:00.000Z' }));
    s.recordPass(pass({ commit: undefined, result: 'converged' }));
    s.recordPass(pass({ project: 'beta', commit: sha(7) }));

    const good = s.lastGoodCommits('alpha', 10);
    expect(good).toEqual([
      { commit: sha(6), firstAt: '2026-01-02T00:00:00.000Z', lastAt: '2026-01-02T00:00:00.000Z' },
      { commit: sha(1), firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-01-01T00:01:00.000Z' },
    ]);
    expect(s.lastGoodCommits('alpha', 1).map((g) => g.commit)).toEqual([sha(6)]);
  });

  it('a commit that becomes good again moves to the front', () => {
    const s = store();
    s.recordPass(pass({ commit: sha(1) }));
    s.recordPass(pass({ commit: sha(2) }));
    s.recordPass(pass({ commit: sha(1) }));
    expect(s.lastGoodCommits('alpha').map((g) => g.commit)).toEqual([sha(1), sha(2)]);
  });

  it('outlives the pass bound, so an old good commit stays a rollback target', () => {
    const s = store({ maxPassesPerProject: 3, maxGoodCommitsPerProject: 2 });
    s.recordPass(pass({ commit: sha(1) }));
    s.recordPass(pass({ commit: sha(2) }));
    for (let i = 0; i < 10; i++)
      s.recordPass(pass({ commit: sha(9), result: 'refused', health: 'Degraded' }));
    expect(s.listPasses('alpha').map((p) => p.commit)).not.toContain(sha(1));
    expect(s.lastGoodCommits('alpha').map((g) => g.commit)).toEqual([sha(2), sha(1)]);
    s.recordPass(pass({ commit: sha(3) }));
    expect(s.lastGoodCommits('alpha').map((g) => g.commit)).toEqual([sha(3), sha(2)]);
  });
});
