import { parseDurationMs as parseComposeDuration } from './units.js';

/**
 * Durations in the daemon config: Compose/Go style strings ("1m30s", "500ms"), or a bare number
 * of seconds (YAML number or numeric string). Returns undefined for anything else.
 */
export function parseConfigDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  return parseComposeDuration(text);
}
