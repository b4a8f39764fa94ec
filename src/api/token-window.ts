/**
 * Which tokens a rotating credential accepts at a given moment: the current one, and the one it
 * replaced until the overlap window after the change has passed, so scripts holding the old
 * token can switch over without a restart. Pure: the caller supplies the clock.
 */
export interface TokenWindow {
  current?: string;
  previous?: string;
  /** Epoch ms after which `previous` is no longer accepted. */
  previousUntil?: number;
}

/** The window after the token source read `next` at `now`; unchanged when the text is the same. */
export function rotate(
  window: TokenWindow,
  next: string | undefined,
  now: number,
  overlapMs: number,
): TokenWindow {
  if (next === window.current) return window;
  // An unreadable or emptied file is not a rotation to "no token": keep what works (see TokenFile).
  if (next === undefined || next.trim() === '') return window;
  if (window.current === undefined || overlapMs <= 0) return { current: next };
  return { current: next, previous: window.current, previousUntil: now + overlapMs };
}

/** The tokens accepted at `now`, current first. */
export function acceptedTokens(window: TokenWindow, now: number): string[] {
  const out: string[] = [];
  if (window.current !== undefined) out.push(window.current);
  if (window.previous !== undefined && window.previousUntil !== undefined && now < window.previousUntil) {
    out.push(window.previous);
  }
  return out;
}
