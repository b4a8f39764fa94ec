/**
 * Repairs beside a running pass. A project's passes never overlap (the work queue), so drift that
 * the engine reports while a pass is busy with another resource (a rollout's readiness wait, a
 * slow create) would wait for that pass to end, and then for the pass it marks dirty. The lane
 * lets that pass repair the drifted resource at once, by itself: a side repair lists what runs,
 * plans with the pass's own desired state and applies only the steps of the asked resources.
 *
 * The lane is open from the moment a pass starts applying a plan until the pass ends (or handles
 * a failure), and only ever touches resources the pass is not acting on: a resource is claimed
 * from the moment the pass plans a step for it until that step has ended (a step left for a later
 * pass stays claimed), and a request for a claimed one is left to the pass. The event also marked the project dirty, so the pass that follows
 * recomputes everything anyway: the lane is a shortcut, never the only way a repair happens, and
 * a side repair that fails is left to that pass (with its backoff). Bookkeeping only: what a
 * repair does is the pass's `repair` function.
 */

/**
 * At most this many side repairs that acted on one resource in one pass: a container that keeps
 * crashing is not restarted in a tight loop; the pass's own retry (with backoff) takes over. One
 * that found nothing to do (a `die` listed before the container is down, a step's own events)
 * costs one list and does not count.
 */
export const MAX_SIDE_REPAIRS_PER_PASS = 3;

/**
 * Side repairs asked for by a stop from outside (`docker stop`, `rm -f`: `DriftEvent.outside`) do
 * not count toward that cap: each such stop needs its repair now, however many came before in
 * this pass, or the repair waited for a pass kept open by the stops themselves. They have their
 * own, larger bound, so that someone stopping a container in a loop cannot hold a pass open.
 */
export const MAX_OUTSIDE_REPAIRS_PER_PASS = 10;

/** Repairs one resource; true when it acted (a plan with steps), false when nothing was to do. */
export type SideRepair = (key: string) => Promise<boolean>;

export class RepairLane {
  /** Resources asked for that the lane has not started (claimed, or no pass applying yet). */
  private readonly pending = new Set<string>();
  /** Resources with a step of the pass still to run or running. */
  private claimed = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  /** Asked again while its side repair ran: it runs once more afterwards. */
  private readonly again = new Set<string>();
  /** Side repairs that acted, by resource, in this pass: those for crashes, for outside stops. */
  private readonly acted = new Map<string, number>();
  private readonly actedOutside = new Map<string, number>();
  /** Resources whose next side repair is for a stop from outside (see MAX_OUTSIDE_REPAIRS_PER_PASS). */
  private readonly outside = new Set<string>();
  private repair: SideRepair | undefined;

  /**
   * The engine reported drift of `key` while the project's pass runs. Started now when the pass
   * is applying and does not claim it; otherwise kept until it can be (or the pass ends).
   * `outside`: an API client stopped or removed it, rather than its process ending by itself.
   */
  request(key: string, outside = false): void {
    if (outside) this.outside.add(key);
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.pending.add(key);
    this.startPending();
  }

  /** The pass applies: `claimed` are the keys of its steps; `repair` repairs one other key. */
  open(claimed: Iterable<string>, repair: SideRepair): void {
    this.claimed = new Set(claimed);
    this.repair = repair;
    this.startPending();
  }

  /**
   * The pass's step for `key` ended: the lane may repair it from now on. What was asked while the
   * step ran is dropped: those events are mostly the step's own actions, and the pass that
   * follows (the project is dirty) judges any that were not.
   */
  release(key: string): void {
    if (this.claimed.delete(key)) {
      this.pending.delete(key);
      this.outside.delete(key);
    }
  }

  /**
   * The pass is done with its own steps: side repairs are still taken while any runs (a service
   * stopped meanwhile does not wait for another's slow start), and the lane closes once none does.
   */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    this.repair = undefined;
    this.claimed.clear();
  }

  /** The pass applies again or handles a failure: no new side repairs; waits for those running. */
  async close(): Promise<void> {
    this.repair = undefined;
    this.claimed.clear();
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** The pass ended: what was asked is the next pass's (the event marked the project dirty). */
  reset(): void {
    if (this.pending.size > 0) this.pending.clear();
    if (this.again.size > 0) this.again.clear();
    if (this.acted.size > 0) this.acted.clear();
    if (this.actedOutside.size > 0) this.actedOutside.clear();
    if (this.outside.size > 0) this.outside.clear();
  }

  /** Whether a pass opened the lane and it is not closed yet, or a side repair still runs. */
  get isOpen(): boolean {
    return this.repair !== undefined || this.running.size > 0;
  }

  /** Resources with a side repair in flight (tests, debug). */
  get inFlight(): string[] {
    return [...this.running.keys()];
  }

  private startPending(): void {
    const repair = this.repair;
    if (!repair) return;
    for (const key of [...this.pending]) {
      if (this.claimed.has(key) || this.running.has(key)) continue;
      this.pending.delete(key);
      const byOutside = this.outside.delete(key);
      const counts = byOutside ? this.actedOutside : this.acted;
      const cap = byOutside ? MAX_OUTSIDE_REPAIRS_PER_PASS : MAX_SIDE_REPAIRS_PER_PASS;
      if ((counts.get(key) ?? 0) >= cap) continue;
      const countActed = (): void => {
        counts.set(key, (counts.get(key) ?? 0) + 1);
      };
      const run = repair(key)
        .then(
          (acted) => {
            if (acted) countActed();
          },
          // The repair logs its own failure; one that failed did act.
          countActed,
        )
        .finally(() => {
          this.running.delete(key);
          if (this.again.delete(key)) this.request(key);
        });
      this.running.set(key, run);
    }
  }
}
