import type { Driver } from '../drivers/driver.js';
import type { ActualState } from '../model/actual-state.js';

/**
 * One engine list per round: containers always, networks and volumes (and Swarm's secrets and
 * configs) only when stale. Those
 * change only by Spin's own passes or by an operator (whose container events, or the resync, mark
 * them stale), so a steady round lists containers alone.
 */
export class EngineSnapshot {
  private objects?: Pick<ActualState, 'networks' | 'volumes' | 'fileObjects'>;
  private stale = true;

  constructor(private readonly driver: Driver) {}

  /** The next list includes networks and volumes. */
  markStale(): void {
    this.stale = true;
  }

  async list(): Promise<ActualState> {
    const cached = this.stale ? undefined : this.objects;
    this.stale = false;
    try {
      if (cached) return { ...(await this.driver.listActual({ containersOnly: true })), ...cached };
      const actual = await this.driver.listActual();
      this.objects = { networks: actual.networks, volumes: actual.volumes, fileObjects: actual.fileObjects };
      return actual;
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }
}
