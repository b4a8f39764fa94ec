import { LABEL } from '../../stack/names.js';
import type { DriftEvent } from '../driver.js';

/** Docker container events that mean a managed container drifted from what Spin made it. */
const DRIFT_ACTIONS = new Set([
  'create',
  'die',
  'stop',
  'kill',
  'destroy',
  'rename',
  'oom',
  'pause',
  'update',
]);

/** One line of the engine's event stream, for a container of a Spin project; else undefined. */
export interface DockerEvent {
  project: string;
  action: string;
  name: string;
  id?: string;
}

export function parseEvent(line: string): DockerEvent | undefined {
  try {
    const raw = JSON.parse(line) as {
      Action?: string;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
    };
    const attributes = raw.Actor?.Attributes ?? {};
    const project = attributes[LABEL.project];
    if (!project || !raw.Action) return undefined;
    return { project, action: raw.Action, name: attributes.name ?? '', id: raw.Actor?.ID };
  } catch {
    return undefined;
  }
}

/**
 * The drift an event means, if any. Actions may carry a detail after a colon
 * (`health_status: healthy`, `exec_start: sh`): only the word before it counts.
 */
export function driftOf(event: DockerEvent): DriftEvent | undefined {
  if (!DRIFT_ACTIONS.has(event.action.split(':')[0] ?? '')) return undefined;
  return { kind: 'drift', ...event };
}
