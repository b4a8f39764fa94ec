/**
 * Why a project is woken. `replan`: compare the engine with the commit the project already has
 * (engine events, the cron resync, requeues before the poll is due); no git request. `poll`: ask
 * the git remote for the branch head first (the poll interval elapsed, a webhook, `spin sync`, a
 * local repository changed, the first pass).
 */
export type WakeReason = 'replan' | 'poll';

/** A poll includes a replan, so it wins when both are asked for. */
export function strongerReason(a: WakeReason, b: WakeReason): WakeReason {
  return a === 'poll' || b === 'poll' ? 'poll' : 'replan';
}

/**
 * Work-queue semantics as in controller-runtime: a key is queued at most once, processed by one
 * worker at a time, and a key added while it is being processed is marked dirty and queued again
 * when that processing ends. Wake-ups are coalesced, never dropped. Pure bookkeeping: no timers,
 * the caller decides when to take work.
 */
export class WorkQueue<K> {
  private readonly queued = new Map<K, WakeReason>();
  private readonly processing = new Set<K>();
  private readonly dirty = new Map<K, WakeReason>();

  /**
   * Asks for `key` to be processed. Returns true when it is now waiting to be taken (the caller
   * schedules a round); false when it is being processed (it runs again afterwards) or was
   * already queued (the coming round takes it).
   */
  add(key: K, reason: WakeReason): boolean {
    if (this.processing.has(key)) {
      this.dirty.set(key, strongerReason(reason, this.dirty.get(key) ?? reason));
      return false;
    }
    const queued = this.queued.get(key);
    this.queued.set(key, queued ? strongerReason(reason, queued) : reason);
    return queued === undefined;
  }

  /** Every queued key with its reason; each is now processing until `done`. */
  take(): [K, WakeReason][] {
    const taken = [...this.queued];
    this.queued.clear();
    for (const [key] of taken) this.processing.add(key);
    return taken;
  }

  /**
   * Processing of `key` ended. When it was added meanwhile, it is queued again and the reason is
   * returned (the caller schedules a round); otherwise undefined.
   */
  done(key: K): WakeReason | undefined {
    if (!this.processing.delete(key)) return undefined;
    const again = this.dirty.get(key);
    if (again === undefined) return undefined;
    this.dirty.delete(key);
    this.add(key, again);
    return again;
  }

  /**
   * Drops the wake-ups asked for `key` (a project removed from the config). A pass still running
   * keeps the key processing until its `done`, so a project re-added under the same name waits
   * for it instead of overlapping it.
   */
  forget(key: K): void {
    this.queued.delete(key);
    this.dirty.delete(key);
  }

  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  isQueued(key: K): boolean {
    return this.queued.has(key) || this.dirty.has(key);
  }

  get queuedCount(): number {
    return this.queued.size;
  }

  /** Keys waiting for a pass: queued for the next round, or asked for again while processing. */
  get dueCount(): number {
    let count = this.queued.size;
    for (const key of this.dirty.keys()) if (!this.queued.has(key)) count++;
    return count;
  }

  get processingCount(): number {
    return this.processing.size;
  }
}
