import { parseDurationMs } from '../util/units.js';

/** What `GET /api/v1/projects/<name>/logs` was asked for (`spin logs` options, one to one). */
export interface LogQuery {
  service?: string;
  replica?: number;
  follow: boolean;
  /** Output printed at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** The last N lines of each container (then everything new when following). */
  tail?: number;
  timestamps: boolean;
}

const SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A bound, not a default: `--tail` is for "the last lines", not a way to read a whole disk. */
export const MAX_TAIL = 100_000;

/**
 * Pure: the query string of a logs request, or the error that says which parameter is wrong.
 * `since` takes what `docker logs --since` takes: a duration before `now` (`10m`, `1h30m`), an
 * RFC 3339 time or Unix seconds.
 */
export function parseLogQuery(params: URLSearchParams, now: number): LogQuery | { error: string } {
  const service = params.get('service') ?? undefined;
  if (service !== undefined && !SERVICE.test(service))
    return { error: `service '${service}' is not a service name` };
  const replica = optionalInt(params.get('replica'), 1, 10_000);
  if (replica === null) return { error: 'replica must be a whole number from 1' };
  if (replica !== undefined && service === undefined) return { error: 'replica needs a service' };
  const tail = optionalInt(params.get('tail'), 0, MAX_TAIL);
  if (tail === null) return { error: `tail must be a whole number from 0 to ${MAX_TAIL}` };
  const sinceText = params.get('since');
  const sinceMs = sinceText === null ? undefined : parseSince(sinceText, now);
  if (sinceMs === null) {
    return { error: `since '${sinceText}': give a duration (10m, 1h30m), an RFC 3339 time or Unix seconds` };
  }
  return {
    service,
    replica,
    follow: flag(params.get('follow')),
    sinceMs,
    tail,
    timestamps: flag(params.get('timestamps')),
  };
}

/** ms since the epoch, or null when the text is none of the accepted forms. */
export function parseSince(text: string, now: number): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const duration = parseDurationMs(text);
  if (duration !== undefined) return now - duration;
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  return null;
}

const flag = (value: string | null) => value === '1' || value === 'true';

/** undefined when absent, null when not a whole number in [min, max]. */
function optionalInt(value: string | null, min: number, max: number): number | undefined | null {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}
