/**
 * One timer for every project's next wake-up. Projects whose times fall on the same instant are
 * handed over together, in one call, so they share one round (one engine list) instead of each
 * timer starting its own: per-project timers aimed at the same millisecond still fire in separate
 * turns of the event loop.
 */
export class WakeClock {
  private readonly at = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;

  constructor(
    private readonly onDue: (names: string[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Wake `name` at `at` (ms since the epoch), replacing its earlier wake-up. */
  set(name: string, at: number): void {
    this.at.set(name, at);
    this.arm();
  }

  /** When `name` is to be woken, if it is. */
  get(name: string): number | undefined {
    return this.at.get(name);
  }

  delete(name: string): void {
    this.at.delete(name);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.at.clear();
  }

  private arm(): void {
    let next = Infinity;
    for (const at of this.at.values()) if (at < next) next = at;
    if (next === Infinity || next >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    // A timer may fire a millisecond early (rounding): what is due within it is due now.
    const now = this.now() + 1;
    const due: string[] = [];
    for (const [name, at] of this.at) {
      if (at > now) continue;
      due.push(name);
      this.at.delete(name);
    }
    this.arm();
    if (due.length > 0) this.onDue(due);
  }
}
