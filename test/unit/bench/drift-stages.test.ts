import { describe, expect, it } from 'vitest';
import { driftStages, type ObservedEvent, type TraceLine } from '../../../bench/lib/drift-stages.js';

/**
 * The repair's first engine call (issue 13's 1 s bound) is the list its plan came from: a side
 * repair's own list when one planned the action, else the list of the round whose pass acted.
 */
const d = { project: 'p', service: 'a', name: 'p-a-1', at: 1_000, op: 'stop' as const };
const events: ObservedEvent[] = [
  { action: 'kill', name: 'p-a-1', at: 1_010 },
  { action: 'die', name: 'p-a-1', at: 2_050 },
  { action: 'stop', name: 'p-a-1', at: 2_100 },
  { action: 'start', name: 'p-a-1', at: 3_000 },
];
const action: TraceLine = { time: 2_900, msg: 'action done', action: 'start p-a-1', durationMs: 100 };

describe('driftStages firstCall', () => {
  it('takes the list of the round whose pass acted, from the event that says the container is down', () => {
    const logs: TraceLine[] = [
      { time: 1_200, msg: 'round started', round: 1 },
      { time: 1_250, msg: 'engine listed', round: 1, durationMs: 40 },
      { time: 1_260, msg: 'pass started', round: 1, project: 'p' },
      { time: 2_300, msg: 'round started', round: 2 },
      { time: 2_500, msg: 'engine listed', round: 2, durationMs: 150 },
      { time: 2_510, msg: 'pass started', round: 2, project: 'p' },
      action,
    ];
    // Round 2's list went out at 2350, 250 ms after the `stop` at 2100; round 1 saw it running.
    expect(driftStages(d, events, logs).firstCall).toBe(250);
    expect(driftStages(d, events, logs).toAction).toBe(2_800 - 1_010);
  });

  it("takes a side repair's own list when one planned the action beside a running pass", () => {
    const logs: TraceLine[] = [
      { time: 1_250, msg: 'engine listed', round: 1, durationMs: 40 },
      { time: 1_260, msg: 'pass started', round: 1, project: 'p' },
      // A side repair that found nothing to do (still running), then the one that acted.
      { time: 2_080, msg: 'side repair planned', project: 'p', resource: 'service/a', steps: 0, listMs: 30 },
      { time: 2_700, msg: 'side repair planned', project: 'p', resource: 'service/a', steps: 1, listMs: 520 },
      // Another service's side repair is not this one's.
      { time: 2_750, msg: 'side repair planned', project: 'p', resource: 'service/b', steps: 1, listMs: 5 },
      action,
    ];
    expect(driftStages(d, events, logs).firstCall).toBe(2_700 - 520 - 2_100);
  });

  it('is absent without the operation or without the repair', () => {
    const logs: TraceLine[] = [
      { time: 2_500, msg: 'engine listed', round: 2, durationMs: 150 },
      { time: 2_510, msg: 'pass started', round: 2, project: 'p' },
    ];
    expect(driftStages(d, events, logs).firstCall).toBeUndefined();
    expect(driftStages({ ...d, op: undefined }, events, [...logs, action]).firstCall).toBeUndefined();
  });
});
