import { describe, expect, it } from 'vitest';
import { driftOf, parseEvent } from '../../../src/drivers/docker/engine-events.js';
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
});
