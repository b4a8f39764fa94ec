import { docker, onEventLines } from './docker.js';

/** One event of the engine's own stream, as an outside observer saw it. */
export interface EngineEventSeen {
  action: string;
  /** Container name; a replacement's temporary `-next` name counts as the replica's. */
  name: string;
  id: string;
  /** The engine's time (ms since the epoch). */
  at: number;
  /** When this observer received it. */
  seenAt: number;
}

/**
 * The engine's own event stream for managed containers whose names start with `prefix`, with
 * the engine's timestamps: what a test compares the daemon's log lines with.
 */
export async function watchEngineEvents(prefix: string) {
  const events: EngineEventSeen[] = [];
  const stream = await docker().getEvents({
    filters: { type: ['container'], label: ['spin.managed=true'] },
  });
  onEventLines(stream, (raw) => {
    if (!(raw.Actor?.Attributes?.name ?? '').startsWith(prefix)) return;
    events.push({
      action: raw.Action,
      // A replacement starts under its temporary name and takes the replica's once ready: the
      // same container, so its `start` counts for the replica.
      name: (raw.Actor?.Attributes?.name ?? '').replace(/-next$/, ''),
      id: raw.Actor?.ID ?? raw.id ?? '',
      at: raw.timeNano / 1e6,
      seenAt: Date.now(),
    });
  });
  return { events, close: () => (stream as unknown as { destroy(): void }).destroy() };
}
