export interface BackoffOptions {
  /** Delay before the second attempt. */
  baseDelayMs: number;
  /** Cap for any single delay. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is fixed, the other half
 * random, so many daemons failing together do not retry in lockstep, yet no retry comes instantly.
 * `attempt` is the attempt that just failed, from 1.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}
