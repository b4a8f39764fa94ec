import type { EventRecord, PassRecord } from '../store/types.js';
import type { EngineEventEntry } from './engine-event-log.js';

/** One line of `spin events`: a reconcile pass, something Spin recorded, or an engine event. */
export interface TimelineEntry {
  at: string;
  source: 'pass' | 'spin' | 'engine';
  /** The pass result (`applied`, `failed`, ...), the event kind, or the engine's action. */
  kind: string;
  message: string;
  commit?: string;
  container?: string;
  /** The pass id its log lines and commit status carry. */
  passId?: string;
}

/**
 * Pure: the reconcile history and the engine's events of one project as one timeline, oldest
 * first, the newest `limit` entries. Entries at the same time keep a fixed order (engine, pass,
 * spin): what the engine did comes before the pass it woke, as it happened.
 */
export function buildTimeline(
  passes: PassRecord[],
  events: EventRecord[],
  engine: EngineEventEntry[],
  limit: number,
): TimelineEntry[] {
  const entries: (TimelineEntry & { order: number })[] = [
    ...engine.map((e) => ({
      at: e.at,
      source: 'engine' as const,
      kind: e.action,
      message: `${e.container}: ${e.action}`,
      container: e.container,
      order: 0,
    })),
    ...passes.map((p) => ({
      at: p.startedAt,
      source: 'pass' as const,
      kind: p.result,
      message: passMessage(p),
      commit: p.commit,
      passId: p.passId,
      order: 1,
    })),
    ...events.map((e) => ({
      at: e.at,
      source: 'spin' as const,
      kind: e.kind,
      message: e.message,
      order: 2,
    })),
  ];
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  return entries.slice(Math.max(0, entries.length - limit)).map(({ order: _order, ...entry }) => entry);
}

function passMessage(p: PassRecord): string {
  const actions = p.actions.length ? `, ${p.actions.length} action${p.actions.length === 1 ? '' : 's'}` : '';
  const error = p.error ? `: ${p.error.reason}: ${p.error.message}` : '';
  return `pass ${p.result} (${p.sync}, ${p.health}${actions})${error}`;
}
