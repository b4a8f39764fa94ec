import { describe, expect, it } from 'vitest';
import { OutsideStops, driftOf, parseEvent } from '../../../src/drivers/docker/engine-events.js';
import { LABEL } from '../../../src/stack/names.js';

const line = (
  action: string,
  attributes: Record<string, string> = { [LABEL.project]: 'web', name: 'web-app-1' },
) => JSON.stringify({ Action: action, Actor: { ID: 'c1', Attributes: attributes } });

describe('Docker engine events', () => {
  it('reads the project, action, container name and id of a managed container’s event', () => {
    expect(parseEvent(line('die'))).toEqual({ project: 'web', action: 'die', name: 'web-app-1', id: 'c1' });
    expect(parseEvent(line('die', { name: 'other' }))).toBeUndefined();
    expect(parseEvent('not json')).toBeUndefined();
  });

  it('names the service resource a container belongs to, so a running pass can repair it beside its steps', () => {
    const attributes = { [LABEL.project]: 'web', [LABEL.service]: 'app', name: 'web-app-1' };
    expect(driftOf(parseEvent(line('die', attributes))!)).toMatchObject({ resource: 'service/app' });
  });

  it('counts stops, removals, renames and updates as drift, not signals, health or exec events', () => {
    for (const action of ['create', 'die', 'stop', 'destroy', 'rename', 'pause', 'update']) {
      expect(driftOf(parseEvent(line(action))!)).toMatchObject({ kind: 'drift', project: 'web', action });
    }
    // A `kill` opens every `docker stop`/`rm -f` before the container is down (its `die` follows);
    // an `oom` that ends it is followed by its `die` too.
    for (const action of [
      'kill',
      'oom',
      'start',
      'health_status: healthy',
      'exec_start: sh -c true',
      'attach',
      'unpause',
    ]) {
      expect(driftOf(parseEvent(line(action))!)).toBeUndefined();
    }
  });

  describe('stops from outside (an API client) against a process that ended by itself', () => {
    const event = (action: string, id = 'c1', at = 1_000) => ({
      project: 'web',
      action,
      name: 'web-app-1',
      id,
      at,
    });
    /** The drift events a sequence of engine actions yields, and whether each came from outside. */
    const judged = (stops: OutsideStops, actions: Array<[string, string?, number?]>) =>
      actions.flatMap(([action, id, at]) => {
        const e = event(action, id, at);
        const drift = driftOf(e, stops.judge(e));
        return drift ? [`${drift.action}${drift.outside ? ' (outside)' : ''}`] : [];
      });

    it('docker stop -t 1 (kill, kill, die, stop) and docker rm -f (kill, die, destroy) are from outside', () => {
      expect(judged(new OutsideStops(), [['kill'], ['kill'], ['die'], ['stop']])).toEqual([
        'die (outside)',
        'stop (outside)',
      ]);
      expect(judged(new OutsideStops(), [['kill'], ['die'], ['destroy']])).toEqual([
        'die (outside)',
        'destroy (outside)',
      ]);
    });

    it('a crash loop, an exit or an OOM kill is not: its die comes without a kill', () => {
      const stops = new OutsideStops();
      expect(judged(stops, [['die'], ['start'], ['die'], ['oom'], ['die']])).toEqual(['die', 'die', 'die']);
      // A kill is told apart per container, and it explains one die only.
      expect(judged(stops, [['kill', 'c2'], ['die'], ['die', 'c2'], ['die', 'c2']])).toEqual([
        'die',
        'die (outside)',
        'die',
      ]);
    });

    it('a kill long before the die (a signal the container survived) does not explain a later crash', () => {
      const stops = new OutsideStops();
      expect(
        judged(stops, [
          ['kill', 'c1', 0],
          ['die', 'c1', 11 * 60_000],
        ]),
      ).toEqual(['die']);
    });

    it('removing a crashed container is from outside; a create or rename is not a stop', () => {
      expect(judged(new OutsideStops(), [['die'], ['destroy'], ['create'], ['rename']])).toEqual([
        'die',
        'destroy (outside)',
        'create',
        'rename',
      ]);
    });

    it('keeps a bounded memory of kills whose die never came', () => {
      const stops = new OutsideStops();
      for (let i = 0; i < 5_000; i++) stops.judge(event('kill', `k${i}`));
      // The oldest were forgotten, the newest are still known.
      expect(
        judged(stops, [
          ['die', 'k0'],
          ['die', 'k4999'],
        ]),
      ).toEqual(['die', 'die (outside)']);
    });
  });
});
