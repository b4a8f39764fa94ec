/** A commit whose apply keeps failing is given up on after this many attempts (then rolled back). */
export const MAX_APPLY_ATTEMPTS = 5;

const BASE_DELAY_MS = 2_000;
const MAX_DELAY_MS = 5 * 60_000;

/**
 * Exponential backoff with ±25 % jitter (2 s, 4 s, 8 s, ... capped at 5 min), so many projects
 * failing on the same cause do not retry in lockstep.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.75 + random() * 0.5));
}

const ENGINE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** True when an error means the engine could not be reached (not the commit's fault). */
export function isEngineUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && ENGINE_DOWN_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
