import type { DriftEvent } from '../drivers/driver.js';

/** What `spin events` shows of one engine event of a managed container. */
export interface EngineEventEntry {
  /** ISO 8601: the engine's time when it gave one, else when the daemon heard of it. */
  at: string;
  action: string;
  container: string;
}

/**
 * The last engine events of each project's containers, in memory only: the engine keeps its own
 * event log short too, and the reconcile history (the store) is what lasts. 200 per project holds
 * several deploys' worth (a recreate is about five events per replica) in a few tens of KiB.
 */
export class EngineEventLog {
  private readonly rings = new Map<string, EngineEventEntry[]>();

  constructor(private readonly perProject = 200) {}

  record(event: DriftEvent, now = Date.now()): void {
    const ring = this.rings.get(event.project) ?? [];
    ring.push({
      at: new Date(event.at ?? now).toISOString(),
      action: event.action,
      container: event.name,
    });
    if (ring.length > this.perProject) ring.splice(0, ring.length - this.perProject);
    this.rings.set(event.project, ring);
  }

  /** Oldest first. */
  list(project: string): EngineEventEntry[] {
    return [...(this.rings.get(project) ?? [])];
  }

  forget(project: string): void {
    this.rings.delete(project);
  }
}
