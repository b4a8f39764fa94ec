import type Docker from 'dockerode';

const NS_PER_MS = 1_000_000;

/** An image's HEALTHCHECK as `docker image inspect` shows it (durations in nanoseconds). */
export type ImageHealthcheck = Docker.HealthConfig & { StartInterval?: number };

/** The policy's healthcheck bounds, in ms (0 or undefined: no bound). */
export interface HealthcheckBounds {
  minIntervalMs: number;
  maxPeriodMs?: number;
  maxTimeoutMs?: number;
  maxRetries?: number;
}

/**
 * Pure: the Healthcheck to send for a service whose stack sets none, given the image's own.
 * An image can bring `HEALTHCHECK --interval=1ms` or `--timeout=24h`, which the stack never shows
 * and the YAML rules never see; rather than refuse an image for it, Spin makes it harmless: the
 * image's check is sent back explicitly with every interval below the policy's
 * `resources.minHealthcheckInterval` raised to that minimum, and every period, timeout and retry
 * count above the policy's ceilings lowered to them (0 means the engine's default and is left
 * alone). The last gate then judges the check that is sent. Undefined when nothing needs
 * changing: the container then runs the image's check unchanged.
 *
 * StartInterval (API 1.44+) is bounded too; on older engines the field does not exist.
 */
export function imageHealthcheckWithinPolicy(
  image: ImageHealthcheck | null | undefined,
  bounds: HealthcheckBounds,
): ImageHealthcheck | undefined {
  if (!image?.Test?.length || image.Test[0] === 'NONE') return undefined;
  const min = bounds.minIntervalMs * NS_PER_MS;
  const maxPeriod = (bounds.maxPeriodMs ?? 0) * NS_PER_MS;
  const maxTimeout = (bounds.maxTimeoutMs ?? 0) * NS_PER_MS;
  const within = (ns: number | undefined, low: number, high: number): number | undefined => {
    if (ns === undefined || ns <= 0) return ns;
    if (low > 0 && ns < low) return low;
    if (high > 0 && ns > high) return high;
    return ns;
  };
  const bounded: ImageHealthcheck = { ...image };
  const set = <K extends 'Interval' | 'StartInterval' | 'StartPeriod' | 'Timeout'>(
    key: K,
    value: number | undefined,
  ) => {
    if (value !== image[key]) bounded[key] = value;
  };
  set('Interval', within(image.Interval, min, maxPeriod));
  set('StartInterval', within(image.StartInterval, min, maxPeriod));
  set('StartPeriod', within(image.StartPeriod, 0, maxPeriod));
  set('Timeout', within(image.Timeout, 0, maxTimeout));
  if (bounds.maxRetries && image.Retries !== undefined && image.Retries > bounds.maxRetries) {
    bounded.Retries = bounds.maxRetries;
  }
  const changed = (Object.keys(bounded) as (keyof ImageHealthcheck)[]).some((k) => bounded[k] !== image[k]);
  return changed ? bounded : undefined;
}
