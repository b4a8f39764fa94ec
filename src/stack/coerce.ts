import { isRecord } from './records.js';
import { parseDurationMs, parseNanoCpus, parseSizeBytes } from '../util/units.js';

/**
 * Small readers for values the schema has already checked (or that came from a caller that
 * skipped it): each returns a safe empty value or undefined instead of trusting the type.
 */

/** Set an optional field only when there is a value, so the model never holds `undefined`. */
export function assign<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

export function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return list(value).map(String);
}

export function size(value: unknown): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? parseSizeBytes(value) : undefined;
}

export function cpus(value: unknown): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? parseNanoCpus(value) : undefined;
}

export function duration(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDurationMs(value) : undefined;
}

export function scalarText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}
