import { DEFAULT_ENGINE } from '../config/engines.js';
import type { Driver } from '../drivers/driver.js';
import { EngineSnapshot } from './engine-snapshot.js';

/** One configured engine as the daemon drives it: its driver and its per-round list cache. */
export interface DaemonEngine {
  name: string;
  driver: Driver;
  snapshot: EngineSnapshot;
}

/**
 * The engines the daemon drives, by name (`engines:` in the config; `default` for a config
 * without it). Fixed for the life of the process: a driver holds connections and an event
 * stream, so adding or changing an engine takes a restart.
 */
export class EngineSet {
  private readonly engines = new Map<string, DaemonEngine>();

  /** A lone Driver is the engine `default` (tests, and configs without `engines:`). */
  constructor(drivers: Driver | ReadonlyMap<string, Driver>) {
    const map = drivers instanceof Map ? drivers : new Map([[DEFAULT_ENGINE, drivers as Driver]]);
    for (const [name, driver] of map)
      this.engines.set(name, { name, driver, snapshot: new EngineSnapshot(driver) });
  }

  get(name: string): DaemonEngine | undefined {
    return this.engines.get(name);
  }

  names(): string[] {
    return [...this.engines.keys()].sort();
  }

  all(): DaemonEngine[] {
    return this.names().map((name) => this.engines.get(name) as DaemonEngine);
  }

  /** Every engine lists networks and volumes again next round (resync). */
  markAllStale(): void {
    for (const engine of this.engines.values()) engine.snapshot.markStale();
  }
}

/** The engine a project runs on: the one its config names, else `default` (old fixtures). */
export function engineOf(project: { engine?: string }): string {
  return project.engine ?? DEFAULT_ENGINE;
}
