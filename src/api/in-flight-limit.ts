/**
 * A count of requests in flight with a ceiling: `tryEnter` says no instead of queueing, so a
 * flood is answered at once (429) instead of piling up buffers and sockets behind the cap.
 */
export class InFlightLimit {
  private current = 0;

  constructor(readonly max: number) {}

  tryEnter(): boolean {
    if (this.current >= this.max) return false;
    this.current++;
    return true;
  }

  leave(): void {
    this.current = Math.max(0, this.current - 1);
  }

  get inFlight(): number {
    return this.current;
  }
}
