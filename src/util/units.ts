/**
 * Compose's unit syntaxes, as pure parsers returning undefined for text they do not accept.
 */

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go-style durations as compose writes them: '1m30s', '10s', '500ms', '1.5h', '0'. Milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? ''] ?? Number.NaN);
    index = part.lastIndex;
  }
  return index === 0 || !Number.isFinite(total) ? undefined : Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Byte sizes as docker reads them (binary multiples, case-insensitive, optional 'b'/'ib'):
 * '512m', '1g', '1024k', '1.5gb', '2 GiB'; a plain number is bytes.
 */
export function parseSizeBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `cpus: 0.5` (or '0.5') as the engine's NanoCpus; must be more than zero. */
export function parseNanoCpus(value: string | number): number | undefined {
  const cpus =
    typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  return Number.isFinite(cpus) && cpus > 0 ? Math.round(cpus * 1e9) : undefined;
}

/** A whole number written as a number or numeric text (interpolation yields text). */
export function parseWholeNumber(value: unknown, { allowNegative = false } = {}): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  return Number.isSafeInteger(n) && (allowNegative || n >= 0) ? n : undefined;
}

/** true/false as YAML booleans or, after interpolation, text. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  // compose-go's toBoolean: YAML 1.1 spellings are still common in stack files (`init: yes`).
  const lower = value.toLowerCase();
  if (['true', 'yes', 'y', 'on'].includes(lower)) return true;
  return ['false', 'no', 'n', 'off'].includes(lower) ? false : undefined;
}
