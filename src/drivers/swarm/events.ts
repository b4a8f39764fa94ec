/**
 * Swarm's event stream as drift: a service created, updated or removed by anyone (Spin's own
 * writes wake the project too, harmlessly: the next pass finds nothing to do), and node events
 * (a node down, drained or back), which may move any project's tasks.
 */
import type Docker from 'dockerode';
import type { EngineEvent } from '../driver.js';

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
  let closed = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  const connect = () => {
    if (closed) return;
    docker
      .getEvents({ filters: { type: ['service', 'node'] } })
      .then((s) => {
        stream = s;
        let buffer = '';
        s.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const event = swarmEventOf(buffer.slice(0, newline));
            buffer = buffer.slice(newline + 1);
            if (event) onEvent(event);
          }
        });
        s.on('end', retry);
        s.on('error', retry);
        onEvent({ kind: 'reconnected' });
      })
      .catch(retry);
  };
  const retry = () => {
    stream = undefined;
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(connect, RECONNECT_MS);
    timer.unref();
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    (stream as { destroy?: () => void } | undefined)?.destroy?.();
  };
}
