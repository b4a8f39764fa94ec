/** Polls fall due on whole ticks, so projects polled at the same interval share one round. */
export const POLL_TICK_MS = 1_000;

/** What the schedule needs to know of a project: its interval and its last poll in this process. */
export interface PollState {
  /** The branch head as of the last successful poll; undefined before the first. */
  head?: string;
  /** When the last poll (of git) started, ms since the epoch. */
  polledAt?: number;
  ctx: { project: { pollIntervalMs: number } };
}

/**
 * The delay until the first tick at or after `delayMs` from now. Each round lists the engine once
 * for every due project: aligned, 500 projects polled every 10 s cost ~10 lists per interval
 * instead of 500.
 */
export function alignedDelay(delayMs: number, now = Date.now()): number {
  if (delayMs < POLL_TICK_MS) return Math.max(0, delayMs);
  return Math.ceil((now + delayMs) / POLL_TICK_MS) * POLL_TICK_MS - now;
}

/**
 * When a project whose pass just ended wakes next. A pass that asks for nothing before the next
 * poll (`requeueAfterMs` is the poll interval) wakes on the tick nearest to one interval after its
 * last poll started, not an interval after the pass ended: otherwise a 1 s poll whose pass takes
 * 150 ms would come every 2 s. Rounded to the nearest tick, so that projects polled in one round
 * (started a few ms apart) fall due on the same tick again, also when they are late (an overloaded
 * machine). Anything else (a recheck, a retry's backoff) counts from now, on the first tick after it.
 */
export function nextWake(requeueAfterMs: number, runtime: Omit<PollState, 'head'>, now: number): number {
  const interval = runtime.ctx.project.pollIntervalMs;
  if (requeueAfterMs === interval && interval >= POLL_TICK_MS && runtime.polledAt !== undefined) {
    const due = Math.round((runtime.polledAt + interval) / POLL_TICK_MS) * POLL_TICK_MS;
    // Overdue (the pass took longer than the interval): the next tick, still shared with others.
    return due > now ? due : Math.ceil(now / POLL_TICK_MS) * POLL_TICK_MS;
  }
  return now + alignedDelay(requeueAfterMs, now);
}

/**
 * Whether a wake-up without a reason of its own (clock, resync) asks git: when the project has no
 * head yet or its poll interval has elapsed since its last poll started. Half a tick early counts,
 * so a clock aligned to whole ticks is never a poll late.
 */
export function pollDue(runtime: PollState, now: number): boolean {
  if (runtime.head === undefined || runtime.polledAt === undefined) return true;
  return now + POLL_TICK_MS / 2 >= runtime.polledAt + runtime.ctx.project.pollIntervalMs;
}
