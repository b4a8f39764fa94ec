import { withTimeout } from '../util/promises.js';
import { WakeClock } from './wake-clock.js';
import { WorkQueue, type WakeReason } from './work-queue.js';

/** One round's work: each project taken, with why it was woken. */
export type RoundBatch = [name: string, reason: WakeReason][];

export interface PassQueueOptions {
  /**
   * Runs one round. Every project in the batch stays locked (a wake-up meanwhile marks it dirty)
   * until the round hands it back with `release`.
   */
  runRound(batch: RoundBatch): Promise<void>;
  /** The clock's wake-ups (a poll falls due, a recheck, a retry's backoff); the owner says why. */
  onWake(names: string[]): void;
}

/**
 * When passes run: the due set (a WorkQueue: coalesced, never dropped, one pass per project at a
 * time), rounds (every project due in the same turn of the event loop shares one), timers (each
 * project's next wake-up) and the callers waiting for a project's next pass. Knows nothing of git, engines or statuses: `O` is whatever a pass ends with.
 */
export class PassQueue<O> {
  private readonly due = new WorkQueue<string>();
  private readonly clock: WakeClock;
  /** Callers waiting for the next pass of a project to finish (spin sync, webhooks). */
  private readonly waiters = new Map<string, ((outcome: O) => void)[]>();
  /** Waiters that the running pass will answer (those who asked before it started). */
  private readonly answering = new Map<string, ((outcome: O) => void)[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private roundScheduled = false;
  private stopping = false;

  constructor(private readonly options: PassQueueOptions) {
    this.clock = new WakeClock((names) => options.onWake(names));
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Asks for a pass; the round starts on the next turn of the event loop, shared with others. */
  add(name: string, reason: WakeReason): void {
    if (this.stopping) return;
    if (this.due.add(name, reason)) this.scheduleRound();
  }

  /** Resolves with the outcome of the next pass of `name` that starts after this call. */
  wait(name: string): Promise<O> {
    return new Promise<O>((resolve) => {
      const list = this.waiters.get(name);
      if (list) list.push(resolve);
      else this.waiters.set(name, [resolve]);
    });
  }

  /** Whether a pass of `name` runs (taken by a round and not yet released). */
  isRunning(name: string): boolean {
    return this.due.isProcessing(name);
  }

  hasWaiters(name: string): boolean {
    return (this.waiters.get(name)?.length ?? 0) > 0;
  }

  /** The round starts this project's pass: the waiters so far are the ones it answers. */
  begin(name: string): void {
    this.answering.set(name, this.waiters.get(name) ?? []);
    this.waiters.delete(name);
  }

  /** The pass ended: tells those who waited for it. */
  answer(name: string, outcome: O): void {
    const list = this.answering.get(name) ?? [];
    this.answering.delete(name);
    for (const resolve of list) resolve(outcome);
  }

  /**
   * The project's pass ended (or was dropped): a wake-up that came meanwhile runs it again.
   * True when it does.
   */
  release(name: string): boolean {
    const again = this.due.done(name) !== undefined;
    if (again) this.scheduleRound();
    return again;
  }

  /**
   * Drops what was asked for a project removed from the config: queued wake-ups, its timers and
   * the callers still waiting for a pass that will not come. A pass already running keeps the
   * project locked until it ends.
   */
  forget(name: string): void {
    this.clock.delete(name);
    this.due.forget(name);
    this.waiters.delete(name);
  }

  /** Wake `name` at `at` (ms since the epoch), replacing its earlier wake-up. */
  wakeAt(name: string, at: number): void {
    this.clock.set(name, at);
  }

  wakeTime(name: string): number | undefined {
    return this.clock.get(name);
  }

  cancelWake(name: string): void {
    this.clock.delete(name);
  }

  /** Something a round left running (a hung pass), waited for by `stop`. */
  track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  /** Starts no more rounds and clears every timer. */
  stop(): void {
    this.stopping = true;
    this.clock.stop();
  }

  /** Waits for the rounds and passes in flight, at most `timeoutMs`; false when some still hang. */
  async drain(timeoutMs: number): Promise<boolean> {
    return (await withTimeout(Promise.allSettled([...this.inFlight]), timeoutMs)) !== undefined;
  }

  get runningCount(): number {
    return this.inFlight.size;
  }

  /** Projects waiting for a pass and projects whose pass runs (spin_pass_queue_due, spin_passes_running). */
  get stats(): { due: number; running: number } {
    return { due: this.due.dueCount, running: this.due.processingCount };
  }

  private scheduleRound(): void {
    if (this.roundScheduled || this.stopping) return;
    this.roundScheduled = true;
    setImmediate(() => {
      this.roundScheduled = false;
      this.track(this.options.runRound(this.due.take()));
    });
  }
}
