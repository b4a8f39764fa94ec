/**
 * Network names by id for one Swarm engine, kept between rounds. Live service specs name their
 * networks by id and drift compares names. A network's id never changes its name and never names
 * another network, so a round whose services reference only ids seen before needs no network
 * list: a steady round lists services and tasks alone (issue 15: one service list and one task
 * list per engine and pass).
 */
import type Docker from 'dockerode';

export class NetworkNames {
  private names = new Map<string, string>();
  /**
   * Ids that a list made after the services naming them were listed did not hold: not one of
   * Spin's networks (its labels are set at creation, for good) or gone (an id is never reused).
   */
  private readonly foreign = new Set<string>();

  get map(): ReadonlyMap<string, string> {
    return this.names;
  }

  /** Whether every id is known, by name or as not Spin's: no network list needed. */
  covers(ids: ReadonlySet<string>): boolean {
    for (const id of ids) if (!this.names.has(id) && !this.foreign.has(id)) return false;
    return true;
  }

  /**
   * A fresh list of Spin's networks. `afterServices`: it was made after the services that
   * reference `referenced` were listed, so an id it lacks is not Spin's (a list made beside them
   * may miss a network created meanwhile, and proves nothing about an id it lacks).
   */
  learn(
    networks: readonly { Id: string; Name: string }[],
    referenced: ReadonlySet<string>,
    afterServices: boolean,
  ): void {
    this.names = new Map(networks.map((n) => [n.Id, n.Name]));
    for (const id of this.foreign) if (!referenced.has(id)) this.foreign.delete(id);
    if (afterServices) for (const id of referenced) if (!this.names.has(id)) this.foreign.add(id);
  }
}

/** The network ids the services' specs and previous specs (what Swarm rolls back to) attach to. */
export function referencedNetworks(services: readonly Docker.Service[]): Set<string> {
  const ids = new Set<string>();
  for (const s of services) {
    for (const spec of [s.Spec, s.PreviousSpec]) {
      for (const n of spec?.TaskTemplate?.Networks ?? []) if (n.Target) ids.add(n.Target);
    }
  }
  return ids;
}
