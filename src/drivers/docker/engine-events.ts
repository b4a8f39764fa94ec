import { LABEL } from '../../stack/names.js';
import type { DriftEvent } from '../driver.js';
import { serviceKey } from './docker-resources.js';

/**
 * Docker container events that mean a managed container drifted from what Spin made it. Not
 * `kill` or `oom`: a signal that ends the container is followed by its `die`, and one that does
 * not changed nothing a plan looks at. Waking on the `kill` that opens every `docker stop` and
 * `docker rm -f` started a pass that still listed the container running, and the `die` then
 * waited for it.
 */
const DRIFT_ACTIONS = new Set(['create', 'die', 'stop', 'destroy', 'rename', 'pause', 'update']);

/** One line of the engine's event stream, for a container of a Spin project; else undefined. */
export interface DockerEvent {
  project: string;
  action: string;
  name: string;
  id?: string;
  /** When the engine says it happened (ms since the epoch), for the latency trace in debug logs. */
  at?: number;
  /** The service resource the container belongs to (its `spin.service` label). */
  resource?: string;
}

export function parseEvent(line: string): DockerEvent | undefined {
  try {
    const raw = JSON.parse(line) as {
      Action?: string;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
      timeNano?: number;
    };
    const attributes = raw.Actor?.Attributes ?? {};
    const project = attributes[LABEL.project];
    if (!project || !raw.Action) return undefined;
    const at = typeof raw.timeNano === 'number' ? raw.timeNano / 1e6 : undefined;
    const service = attributes[LABEL.service];
    return {
      project,
      action: raw.Action,
      name: attributes.name ?? '',
      id: raw.Actor?.ID,
      at,
      ...(service ? { resource: serviceKey(service) } : {}),
    };
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
