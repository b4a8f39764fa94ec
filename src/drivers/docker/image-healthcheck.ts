import type Docker from 'dockerode';

const NS_PER_MS = 1_000_000;

/** An image's HEALTHCHECK as `docker image inspect` shows it (durations in nanoseconds). */
export type ImageHealthcheck = Docker.HealthConfig & { StartInterval?: number };

/**
 * Pure: the Healthcheck to send for a service whose stack sets none, given the image's own.
 * An image can bring `HEALTHCHECK --interval=1ms`, which the stack never shows and the policy
 * never sees; rather than refuse an image for it, Spin makes it harmless: the image's check is
 * sent back explicitly with every interval below the policy's `resources.minHealthcheckInterval`
 * raised to that minimum (0 means the engine's default, 30 s, and is left alone). Undefined when
 * nothing needs raising: the container then runs the image's check unchanged.
 *
 * StartInterval (API 1.44+) is raised too; on older engines the field does not exist.
 */
export function raisedImageHealthcheck(
  image: ImageHealthcheck | null | undefined,
  minIntervalMs: number,
): ImageHealthcheck | undefined {
  if (!image?.Test?.length || image.Test[0] === 'NONE' || minIntervalMs <= 0) return undefined;
  const min = minIntervalMs * NS_PER_MS;
  const tooShort = (ns: number | undefined) => ns !== undefined && ns > 0 && ns < min;
  if (!tooShort(image.Interval) && !tooShort(image.StartInterval)) return undefined;
  const raised: ImageHealthcheck = { ...image };
  if (tooShort(image.Interval)) raised.Interval = min;
  if (tooShort(image.StartInterval)) raised.StartInterval = min;
  return raised;
}
