/**
 * Swarm's event stream as drift: a service created, updated or removed by anyone (Spin's own
 * writes wake the project too, harmlessly: the next pass finds nothing to do), and node events
 * (a node down, drained or back), which may move any project's tasks.
 */
import type Docker from 'dockerode';
import type { EngineEvent } from '../driver.js';
import { watchEventLines } from '../event-lines.js';

const RECONNECT_MS = 2_000;

/** One event line: a service of project P (`P_<service>`: the first `_` ends a project name). */
export function swarmEventOf(line: string): EngineEvent | undefined {
  try {
    const raw = JSON.parse(line) as {
      Type?: string;
      Action?: string;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
      timeNano?: number;
    };
    const at = typeof raw.timeNano === 'number' ? raw.timeNano / 1e6 : undefined;
    // Node events carry no project: every project's pass looks again, as after a reconnection.
    if (raw.Type === 'node') return { kind: 'reconnected' };
    if (raw.Type !== 'service' || !raw.Action) return undefined;
    const name = raw.Actor?.Attributes?.name ?? '';
    const cut = name.indexOf('_');
    if (cut <= 0) return undefined;
    return { kind: 'drift', project: name.slice(0, cut), action: raw.Action, name, id: raw.Actor?.ID, at };
  } catch {
    return undefined;
  }
}

export function watchSwarmEvents(docker: Docker, onEvent: (event: EngineEvent) => void): () => void {
  return watchEventLines({
    open: () => docker.getEvents({ filters: { type: ['service', 'node'] } }),
    onLine: (line) => {
      const event = swarmEventOf(line);
      if (event) onEvent(event);
    },
    onConnected: () => onEvent({ kind: 'reconnected' }),
    reconnectMs: RECONNECT_MS,
  });
}
