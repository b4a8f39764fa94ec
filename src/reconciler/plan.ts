import type { NetworkSpec, ServiceSpec, StackModel, VolumeSpec } from '../stack/model.js';
import type { ActualContainer, ActualState, RuntimeSettings } from '../model/actual-state.js';
import type { PlanSummary } from '../model/plan-summary.js';
import { containerName, legacyContainerName } from '../stack/names.js';
import { serviceJoins, type JoinResolution, type JoinTarget } from '../stack/joins.js';

/** The desired state of one project at one commit, with each service's config hash. */
export interface DesiredState {
  model: StackModel;
  commit: string;
  hashes: Record<string, string>;
}

export type RemoveReason = 'service-removed' | 'scale-down' | 'duplicate' | 'invalid-replica' | 'temporary';

export type Action =
  | { kind: 'create-network'; network: NetworkSpec }
  | { kind: 'create-volume'; volume: VolumeSpec }
  | ({ kind: 'create'; service: string; replica: number; name: string } & Joins)
  | ({ kind: 'recreate'; service: string; replica: number; name: string; containerId: string } & Joins)
  | { kind: 'start'; service: string; replica: number; name: string; containerId: string }
  /** A correct container under an older Spin's name: renamed in place, no restart. */
  | { kind: 'rename'; service: string; replica: number; name: string; from: string; containerId: string }
  | {
      kind: 'remove';
      service: string;
      replica: number;
      name: string;
      containerId: string;
      reason: RemoveReason;
    }
  | { kind: 'remove-network'; network: string; id: string }
  | { kind: 'remove-volume'; volume: string };

/**
 * A container that shares another's namespaces (`network_mode`/`pid`/`ipc: service:X`): the
 * targets, paired by label with this project's containers (`containerId` when one runs now; the
 * driver resolves them again right before the create call). `refused` says why a join does not
 * resolve to a deployed service of this project: such an action is never sent to the engine.
 */
export interface Joins {
  joins?: (JoinTarget & { containerId?: string })[];
  refused?: string;
}

export interface PlanOptions {
  /** Remove named volumes that left the stack (policy `volumes.prune`; off by default). */
  pruneVolumes: boolean;
}

/**
 * Pure: desired state + what runs -> the ordered actions that converge them. Order: networks and
 * volumes first, then removals of services that left the stack, then each service in `depends_on`
 * order (scale-down first, highest replica numbers first, then recreate/create/start by replica),
 * then networks and volumes that are no longer used. An empty list means converged.
 */
export function planProject(desired: DesiredState, actual: ActualState, options: PlanOptions): Action[] {
  const { model } = desired;
  const actions: Action[] = [];
  const actualNetworks = new Map(actual.networks.map((n) => [n.key, n]));
  const actualVolumes = new Set(actual.volumes.map((v) => v.key));

  for (const network of sortedValues(model.networks)) {
    if (!actualNetworks.has(network.name)) actions.push({ kind: 'create-network', network });
  }
  for (const volume of sortedValues(model.volumes)) {
    if (!actualVolumes.has(volume.name)) actions.push({ kind: 'create-volume', volume });
  }

  const byService = groupBy(actual.containers, (c) => c.service);
  for (const [service, containers] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    if (model.services[service]) continue;
    for (const c of byReplicaDescending(containers)) actions.push(removal(c, 'service-removed'));
  }

  const jobs = jobServices(model.services);
  for (const name of dependencyOrder(model.services)) {
    const spec = model.services[name] as ServiceSpec;
    actions.push(
      ...planService(
        model.project,
        spec,
        desired.hashes[name] ?? '',
        byService.get(name) ?? [],
        jobs.has(name),
        planJoins(serviceJoins(model.project, model, spec), byService),
      ),
    );
  }

  for (const network of [...actual.networks].sort((a, b) => a.key.localeCompare(b.key))) {
    if (!model.networks[network.key])
      actions.push({ kind: 'remove-network', network: network.key, id: network.id });
  }
  if (options.pruneVolumes) {
    for (const volume of [...actualVolumes].sort()) {
      if (!model.volumes[volume]) actions.push({ kind: 'remove-volume', volume });
    }
  }
  return actions;
}

/**
 * Settings changed with `docker update` since Spin created the container (its labels still match,
 * so only an inspect shows it): such a container is recreated like any other drift.
 */
export function runtimeDrift(container: ActualContainer, spec: ServiceSpec): string[] {
  const actual = container.runtime;
  if (!actual) return [];
  const expected: RuntimeSettings = {
    memoryBytes: spec.limits.memoryBytes ?? 0,
    memoryReservationBytes: spec.reservations.memoryBytes ?? 0,
    nanoCpus: spec.limits.nanoCpus ?? 0,
    pids: spec.limits.pids ?? 0,
    restart: spec.restart,
  };
  return (Object.keys(expected) as (keyof RuntimeSettings)[]).filter((k) => expected[k] !== actual[k]);
}

function planService(
  project: string,
  spec: ServiceSpec,
  hash: string,
  containers: ActualContainer[],
  job: boolean,
  joins: Joins,
): Action[] {
  const actions: Action[] = [];
  // Containers pair with replicas by their labels, never by name. A container under another name
  // than its labels imply is left over from an interrupted start-first update (`<name>-next`):
  // the update is redone from scratch, so it goes first. The name an older Spin gave a replica is
  // not a stray: that container is kept and renamed (see below).
  const strays = containers.filter(
    (c) =>
      c.replica >= 1 &&
      c.name !== containerName(project, spec.name, c.replica) &&
      c.name !== legacyContainerName(project, spec.name, c.replica),
  );
  for (const c of strays) actions.push(removal(c, 'temporary'));
  const canonical = containers.filter((c) => !strays.includes(c));
  const byReplica = groupBy(canonical, (c) => c.replica);
  const extras = canonical.filter((c) => c.replica < 1 || c.replica > spec.replicas);
  for (const c of byReplicaDescending(extras))
    actions.push(removal(c, c.replica < 1 ? 'invalid-replica' : 'scale-down'));

  for (let replica = 1; replica <= spec.replicas; replica++) {
    const name = containerName(project, spec.name, replica);
    const candidates = byReplica.get(replica) ?? [];
    const keeper = pickKeeper(candidates, hash);
    for (const c of candidates) if (c !== keeper) actions.push(removal(c, 'duplicate'));
    if (!keeper) {
      actions.push({ kind: 'create', service: spec.name, replica, name, ...joins });
    } else if (
      keeper.configHash !== hash ||
      keeper.state === 'dead' ||
      keeper.state === 'removing' ||
      runtimeDrift(keeper, spec).length > 0
    ) {
      actions.push({ kind: 'recreate', service: spec.name, replica, name, containerId: keeper.id, ...joins });
    } else {
      // Renaming is cheap and keeps the container running; a recreate gives the new name anyway.
      if (keeper.name !== name) {
        actions.push({
          kind: 'rename',
          service: spec.name,
          replica,
          name,
          from: keeper.name,
          containerId: keeper.id,
        });
      }
      if (needsStart(keeper, spec, job)) {
        actions.push({ kind: 'start', service: spec.name, replica, name, containerId: keeper.id });
      }
    }
  }
  return actions;
}

/**
 * Pure: a service's joins paired, by the labels the planner already grouped them by, with this
 * project's containers (only this project's are listed here). Empty when the service joins nothing.
 */
function planJoins(resolved: JoinResolution[], byService: Map<string, ActualContainer[]>): Joins {
  if (resolved.length === 0) return {};
  const refusal = resolved.find((j) => !j.ok);
  if (refusal && !refusal.ok) return { refused: refusal.reason };
  const joins = resolved.flatMap((j) => (j.ok ? [j.target] : []));
  return {
    joins: joins.map((target) => {
      const running = (byService.get(target.service) ?? []).filter(
        (c) => c.replica === target.replica && c.state === 'running',
      );
      const id = running.sort((a, b) => b.createdAt - a.createdAt)[0]?.id;
      return id === undefined ? target : { ...target, containerId: id };
    }),
  };
}

/**
 * A stopped container is started again (a stop by hand, an engine restart), unless it is a job
 * that finished: a service others wait for with `service_completed_successfully`, exited 0, with a
 * restart policy that would not restart it either. Otherwise one-shot jobs would rerun every poll.
 */
function needsStart(c: ActualContainer, spec: ServiceSpec, job: boolean): boolean {
  if (c.state === 'created') return true;
  if (c.state !== 'exited') return false;
  const completed = job && c.exitCode === 0 && (spec.restart === 'no' || spec.restart === 'on-failure');
  return !completed;
}

/** Services some other service waits for to complete successfully: one-shot jobs. */
export function jobServices(services: Record<string, ServiceSpec>): Set<string> {
  const jobs = new Set<string>();
  for (const spec of Object.values(services)) {
    for (const [dep, on] of Object.entries(spec.dependsOn)) {
      if (on.condition === 'service_completed_successfully') jobs.add(dep);
    }
  }
  return jobs;
}

/** Prefer the container that already matches, then a running one, then the newest. */
function pickKeeper(candidates: ActualContainer[], hash: string): ActualContainer | undefined {
  const score = (c: ActualContainer) => (c.configHash === hash ? 2 : 0) + (c.state === 'running' ? 1 : 0);
  return [...candidates].sort((a, b) => score(b) - score(a) || b.createdAt - a.createdAt)[0];
}

function removal(c: ActualContainer, reason: RemoveReason): Action {
  return { kind: 'remove', service: c.service, replica: c.replica, name: c.name, containerId: c.id, reason };
}

/**
 * Services with their dependencies first; ties broken by name so plans are deterministic.
 * A cycle (refused at validation) falls back to name order for the services left in it.
 */
export function dependencyOrder(services: Record<string, ServiceSpec>): string[] {
  const names = Object.keys(services).sort();
  const done = new Set<string>();
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name) || visiting.has(name) || !services[name]) return;
    visiting.add(name);
    for (const dep of Object.keys(services[name]?.dependsOn ?? {}).sort()) visit(dep);
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

function byReplicaDescending(list: ActualContainer[]): ActualContainer[] {
  return [...list].sort((a, b) => b.replica - a.replica || a.name.localeCompare(b.name));
}

function sortedValues<T>(record: Record<string, T>): T[] {
  return Object.keys(record)
    .sort()
    .map((k) => record[k] as T);
}

function groupBy<T, K>(list: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of list) {
    const k = key(item);
    const group = map.get(k);
    if (group) group.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function summarisePlan(actions: Action[]): PlanSummary {
  const s: PlanSummary = { created: 0, recreated: 0, started: 0, removed: 0, networks: 0, volumes: 0 };
  for (const a of actions) {
    if (a.kind === 'create') s.created++;
    else if (a.kind === 'recreate') s.recreated++;
    else if (a.kind === 'start') s.started++;
    else if (a.kind === 'remove') s.removed++;
    else if (a.kind === 'rename') s.renamed = (s.renamed ?? 0) + 1;
    else if (a.kind === 'create-network' || a.kind === 'remove-network') s.networks++;
    else s.volumes++;
  }
  return s;
}

export function describePlan(actions: Action[]): string {
  if (actions.length === 0) return 'no changes';
  const s = summarisePlan(actions);
  return `+${s.created} created, ${s.recreated} recreated, ${s.started} started, ${s.removed} removed`;
}
