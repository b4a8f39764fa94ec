/**
 * The last gate over a create-container body's Healthcheck: known keys, durations in whole
 * nanoseconds between the policy's minimum and ceilings, and a bounded number of retries.
 */
import { parseDurationMs } from '../../util/units.js';
import { isObject, refuseUnknownKeys, type Findings } from './context.js';

const HEALTHCHECK = new Set(['Test', 'Interval', 'Timeout', 'Retries', 'StartPeriod', 'StartInterval']);
const NS_PER_MS = 1e6;

/** Request key -> the compose key that writes it, and the policy ceiling that bounds it. */
const DURATIONS = {
  Interval: { yaml: 'interval', max: 'maxHealthcheckPeriod' },
  Timeout: { yaml: 'timeout', max: 'maxHealthcheckTimeout' },
  StartPeriod: { yaml: 'start_period', max: 'maxHealthcheckPeriod' },
  StartInterval: { yaml: 'start_interval', max: 'maxHealthcheckPeriod' },
} as const;

export function judgeHealthcheck(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    f.add('resources.healthcheck', 'Healthcheck', 'Healthcheck is not an object', ['healthcheck']);
    return;
  }
  refuseUnknownKeys(f, value, 'Healthcheck.', HEALTHCHECK);
  if (!f.enabled('resources')) return;
  const policy = f.policy.resources;
  const minMs = parseDurationMs(policy.minHealthcheckInterval) ?? 1000;
  for (const [key, { yaml, max }] of Object.entries(DURATIONS)) {
    const ns = value[key];
    if (ns === undefined) continue;
    const fields = [['healthcheck', yaml], ['healthcheck']];
    if (typeof ns !== 'number' || !Number.isSafeInteger(ns) || ns < 0) {
      f.add(
        'resources.healthcheck',
        `Healthcheck.${key}`,
        `healthcheck ${yaml} is not a duration`,
        ...fields,
      );
      continue;
    }
    // 0 means "the engine's default" (30s; 0s for a start period), which is within every bound.
    if (ns === 0) continue;
    const maxMs = parseDurationMs(policy[max]) ?? Infinity;
    if (ns > maxMs * NS_PER_MS) {
      f.add(
        'resources.healthcheck',
        `Healthcheck.${key}`,
        `healthcheck ${yaml} ${ns / NS_PER_MS}ms is above the ceiling of ${policy[max]} (${max}); lower it`,
        ...fields,
      );
    }
    // A start period is a grace period, not a rate; a timeout is checked below.
    if (key === 'StartPeriod' || key === 'Timeout') continue;
    if (ns < minMs * NS_PER_MS) {
      f.add(
        'resources.healthcheck',
        `Healthcheck.${key}`,
        `healthcheck ${yaml} ${ns / NS_PER_MS}ms is below the minimum of ${policy.minHealthcheckInterval}; raise it`,
        ...fields,
      );
    }
  }
  // A timeout under 1ms fails every probe: the container is restarted or replaced for ever.
  const timeout = value.Timeout;
  if (typeof timeout === 'number' && timeout > 0 && timeout < NS_PER_MS) {
    f.add(
      'resources.healthcheck',
      'Healthcheck.Timeout',
      'a healthcheck timeout under 1ms always fails; raise it',
      ['healthcheck', 'timeout'],
      ['healthcheck'],
    );
  }
  const retries = value.Retries;
  if (
    retries !== undefined &&
    (typeof retries !== 'number' ||
      !Number.isSafeInteger(retries) ||
      retries < 0 ||
      retries > policy.maxHealthcheckRetries)
  ) {
    f.add(
      'resources.healthcheck',
      'Healthcheck.Retries',
      `healthcheck retries ${String(retries)} must be a whole number from 0 to ${policy.maxHealthcheckRetries} (maxHealthcheckRetries)`,
      ['healthcheck', 'retries'],
      ['healthcheck'],
    );
  }
}
