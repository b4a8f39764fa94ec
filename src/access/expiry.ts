const UNIT_MS: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
};

/**
 * `--expires`: a lifetime (`30d`, `12h`, `1w2d`, units w d h m s) counted from `now`, or a date
 * or time (`2027-01-31`, ISO 8601). Returns the expiry as an ISO string, or an error message.
 */
export function parseExpiry(text: string, now: number): { at: string } | { error: string } {
  const value = text.trim();
  if (/^(\d+[wdhms])+$/.test(value)) {
    let total = 0;
    for (const m of value.matchAll(/(\d+)([wdhms])/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
    if (total <= 0) return { error: `--expires ${text}: the lifetime must be longer than 0` };
    return { at: new Date(now + total).toISOString() };
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return { error: `--expires ${text}: not a valid date` };
    if (at <= now) return { error: `--expires ${text}: that is in the past` };
    return { at: new Date(at).toISOString() };
  }
  return {
    error: `--expires ${text}: give a lifetime such as 30d, 12h or 1w, or a date such as 2027-01-31`,
  };
}
