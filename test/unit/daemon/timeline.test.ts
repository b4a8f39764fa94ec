import { describe, expect, it } from 'vitest';
import { EngineEventLog } from '../../../src/daemon/engine-event-log.js';
import { buildTimeline } from '../../../src/daemon/timeline.js';
import type { EventRecord, PassRecord } from '../../../src/store/types.js';

const pass = (at: string, result: PassRecord['result']): PassRecord => ({
  id: 1,
  project: 'p',
  commit: 'c'.repeat(40),
  result,
  sync: 'Synced',
  health: 'Healthy',
  actions: [{ kind: 'recreate', name: 'p_web_1', ok: true, durationMs: 5 }],
  startedAt: at,
  durationMs: 10,
  passId: 'abcd1234',
});
const event = (at: string, kind: string): EventRecord => ({
  id: 1,
  project: 'p',
  kind,
  message: 'repaired',
  at,
});

describe('buildTimeline', () => {
  it('merges passes, Spin records and engine events oldest first, engine first on a tie', () => {
    const timeline = buildTimeline(
      [pass('2026-12-01T10:00:02.000Z', 'applied'), pass('2026-12-01T09:00:00.000Z', 'applied')],
      [event('2026-12-01T10:00:03.000Z', 'drift-repair')],
      [{ at: '2026-12-01T10:00:02.000Z', action: 'die', container: 'p_web_1' }],
      10,
    );
    expect(timeline.map((e) => `${e.source}:${e.kind}`)).toEqual([
      'pass:applied',
      'engine:die',
      'pass:applied',
      'spin:drift-repair',
    ]);
    expect(timeline[2]).toMatchObject({
      message: 'pass applied (Synced, Healthy, 1 action)',
      passId: 'abcd1234',
    });
    expect(timeline[1]).toMatchObject({ message: 'p_web_1: die', container: 'p_web_1' });
  });

  it('keeps the newest entries within the limit', () => {
    const timeline = buildTimeline(
      [pass('2026-12-01T09:00:00.000Z', 'failed')],
      [],
      [{ at: '2026-12-01T10:00:00.000Z', action: 'die', container: 'x' }],
      1,
    );
    expect(timeline.map((e) => e.kind)).toEqual(['die']);
  });
});

describe('EngineEventLog', () => {
  it('keeps the last N events per project and forgets a removed project', () => {
    const log = new EngineEventLog(2);
    for (const action of ['create', 'start', 'die']) {
      log.record({
        kind: 'drift',
        project: 'p',
        action,
        name: 'p_web_1',
        at: Date.parse('2026-12-01T10:00:00Z'),
      });
    }
    log.record(
      { kind: 'drift', project: 'q', action: 'destroy', name: 'q_db_1' },
      Date.parse('2026-12-01T11:00:00Z'),
    );
    expect(log.list('p').map((e) => e.action)).toEqual(['start', 'die']);
    expect(log.list('q')).toEqual([
      { at: '2026-12-01T11:00:00.000Z', action: 'destroy', container: 'q_db_1' },
    ]);
    log.forget('p');
    expect(log.list('p')).toEqual([]);
  });
});
