/**
 * Bounds how many tasks (project passes, git polls) run at once. A released slot is handed
 * straight to the oldest waiter, so no caller arriving between a release and that waiter's wake-up
 * can take it: the bound holds exactly, and waiters run in arrival order.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes to `next` without ever being free: `active` stays as it is.
    if (next) next();
    else this.active--;
  }
}
