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
export function driftOf(event: DockerEvent, outside = false): DriftEvent | undefined {
  if (!DRIFT_ACTIONS.has(actionWord(event))) return undefined;
  return { kind: 'drift', ...event, ...(outside ? { outside: true } : {}) };
}

function actionWord(event: DockerEvent): string {
  return event.action.split(':')[0] ?? '';
}

/** How long a `kill` explains the container's next `die`: longer than any stop grace period. */
const KILL_EXPLAINS_DIE_MS = 10 * 60_000;
/** Containers with a `kill` not yet followed by their `die`, at most (a bound on memory). */
const MAX_KILLED = 1_024;

/**
 * Tells a container stopped or removed through the engine's API (someone ran `docker stop`,
 * `docker kill`, `docker rm -f`, or an orchestrator did) from one whose process ended by itself
 * (a crash, an exit, the kernel's OOM killer). Only an API call makes the engine emit `kill`,
 * `stop` or `destroy`; a container's own process cannot. Every API stop sends a signal first, so
 * its `die` follows a `kill`; a crash's `die` comes bare. Spin never sets `AutoRemove`, so no
 * `destroy` follows a crash by itself. The repair lane caps repairs of crashes (a crash loop is not
 * restarted in a tight loop) but not of outside stops, which need a repair every time.
 * Feed it every event of the stream, in order (the `kill`s too, which are not drift).
 */
export class OutsideStops {
  /** Container id → when its last `kill` was seen (ms). */
  private readonly killed = new Map<string, number>();

  /** Whether `event` ends a container because an API client asked; records a `kill`. */
  judge(event: DockerEvent, now = Date.now()): boolean {
    const id = event.id;
    if (!id) return false;
    const at = event.at ?? now;
    switch (actionWord(event)) {
      case 'kill':
        this.killed.delete(id);
        this.killed.set(id, at);
        // Oldest first (insertion order): a kill whose die never came is forgotten first.
        if (this.killed.size > MAX_KILLED) this.killed.delete(this.killed.keys().next().value as string);
        return false;
      case 'die': {
        const killedAt = this.killed.get(id);
        this.killed.delete(id);
        return killedAt !== undefined && at - killedAt <= KILL_EXPLAINS_DIE_MS;
      }
      case 'stop':
      case 'destroy':
        this.killed.delete(id);
        return true;
      default:
        return false;
    }
  }
}
