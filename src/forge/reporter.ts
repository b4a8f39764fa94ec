import path from 'node:path';
import { silentLogger, type Logger } from '../util/logger.js';
import { backoffDelay } from './backoff.js';
import { DeliveredStore } from './delivered-store.js';
import { truncateDescription } from './description.js';
import { StatusDeliveryError, type CommitStatus, type StatusProvider } from './types.js';

/** One attempt's outcome, for a metrics counter: delivered, failed but will retry, given up. */
export type DeliveryResult = 'ok' | 'retry' | 'failed';

export interface StatusReporterOptions {
  /** Project name; the de-duplication file is `<stateDir>/statuses/<project>.json`. */
  project: string;
  provider: StatusProvider;
  /** The daemon's state directory. */
  stateDir: string;
  logger?: Logger;
  /** Attempts per status, the first included (default 6). */
  maxAttempts?: number;
  /** Delay before the first retry, doubled per attempt with jitter (default 2 s). */
  baseDelayMs?: number;
  /** Longest single delay (default 2 min). */
  maxDelayMs?: number;
  /** Commits remembered for de-duplication (default 200). */
  maxCommits?: number;
  onDelivery?: (result: DeliveryResult) => void;
}

type Key = string;

const keyOf = (s: CommitStatus): Key => `${s.commit}\0${s.context}`;
/** What a status says; with the provider (fixed per reporter) it is what the store hashes. */
const sayingOf = (s: CommitStatus): string => `${s.state}\0${s.description}`;
/** (commit, context) pairs whose delivered status is remembered in memory for the fast path. */
const SETTLED_MAX = 64;

/**
 * Delivers one project's commit statuses in the background, so a slow or broken forge never
 * delays or fails a deploy: `report` only queues. Statuses go out one at a time in the order
 * reported; a status superseded (same commit and context) before it went out is replaced in the
 * queue, and one that equals what was last delivered — also before a restart, via a small file
 * under the state directory — is not posted again. Failures are retried with exponential backoff
 * and jitter, unless the provider says retrying cannot help.
 */
export class StatusReporter {
  private readonly queue = new Map<Key, CommitStatus>();
  private readonly store: DeliveredStore;
  private readonly log: Logger;
  private inFlight?: { key: Key; hash: string };
  /**
   * What is known delivered, by key: every idle pass reports the same `success` again, and
   * recognising it here skips the hash, the queue and the worker's store lookup.
   */
  private readonly settled = new Map<Key, string>();
  private worker?: Promise<void>;
  private closed = false;
  private wake?: () => void;

  constructor(private readonly options: StatusReporterOptions) {
    this.store = new DeliveredStore(
      path.join(options.stateDir, 'statuses', `${options.project}.json`),
      options.maxCommits,
    );
    this.log = (options.logger ?? silentLogger()).child({
      project: options.project,
      statusProvider: options.provider.name,
    });
  }

  /** Queues a status; returns at once and never throws. */
  report(status: CommitStatus): void {
    if (this.closed) return;
    const normalised: CommitStatus = { ...status, description: truncateDescription(status.description) };
    const key = keyOf(normalised);
    if (this.settled.get(key) === sayingOf(normalised) && !this.queue.has(key) && this.inFlight?.key !== key)
      return;
    const hash = this.hash(normalised);
    const queued = this.queue.get(key);
    if (queued ? this.hash(queued) === hash : this.inFlight?.key === key && this.inFlight.hash === hash)
      return;
    this.queue.set(key, normalised);
    this.worker ??= this.drain().finally(() => {
      this.worker = undefined;
    });
  }

  /** Resolves once everything reported so far was delivered, skipped or given up on. */
  async flush(): Promise<void> {
    while (this.worker) await this.worker;
  }

  /** Stops retrying and drops what is still queued (shutdown); waits for a post in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.clear();
    this.wake?.();
    await this.flush();
  }

  private hash(status: CommitStatus): string {
    return DeliveredStore.hash(this.options.provider.name, status);
  }

  private async drain(): Promise<void> {
    for (;;) {
      const next = this.queue.entries().next();
      if (next.done) return;
      const [key, status] = next.value;
      this.queue.delete(key);
      this.inFlight = { key, hash: this.hash(status) };
      try {
        await this.deliver(key, status);
      } catch (err) {
        // deliver() handles provider errors; this is the state file failing. Keep going.
        this.log.error({ err }, 'commit status bookkeeping failed');
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private async deliver(key: Key, status: CommitStatus): Promise<void> {
    const { provider, onDelivery } = this.options;
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 6);
    const hash = this.hash(status);
    this.settled.delete(key);
    if ((await this.store.get(status.commit, status.context)) === hash) return this.settle(key, status);
    const fields = { commit: status.commit, context: status.context, state: status.state };
    for (let attempt = 1; ; attempt++) {
      try {
        await provider.post(status);
      } catch (err) {
        const retryable = !(err instanceof StatusDeliveryError) || err.retryable;
        if (!retryable || attempt >= maxAttempts || this.closed) {
          onDelivery?.('failed');
          this.log.error({ ...fields, attempt, err }, 'commit status not delivered; giving up');
          return;
        }
        onDelivery?.('retry');
        const delayMs = backoffDelay(attempt, {
          baseDelayMs: this.options.baseDelayMs ?? 2_000,
          maxDelayMs: this.options.maxDelayMs ?? 120_000,
        });
        this.log.warn({ ...fields, attempt, delayMs, err }, 'commit status not delivered; will retry');
        await this.sleep(delayMs);
        // A newer status for the same commit and context replaces this one; stop retrying it.
        if (this.closed || this.queue.has(key)) return;
        continue;
      }
      onDelivery?.('ok');
      this.log.debug(fields, 'commit status delivered');
      await this.store.set(status.commit, status.context, hash);
      this.settle(key, status);
      return;
    }
  }

  private settle(key: Key, status: CommitStatus): void {
    this.settled.set(key, sayingOf(status));
    if (this.settled.size > SETTLED_MAX) this.settled.delete(this.settled.keys().next().value as Key);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
