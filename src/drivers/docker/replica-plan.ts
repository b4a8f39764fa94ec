/**
 * Pure, Docker's per-replica planning: how one service's step (see container-engine.ts) turns into
 * container actions. Containers pair with replicas by their labels; strays, extras and duplicates
 * are removed, missing replicas created, changed or broken ones recreated, stopped ones started.
 */
import type { ServiceSpec } from '../../stack/model.js';
import type { ActualContainer, RuntimeSettings } from '../../model/actual-state.js';
import { containerName, legacyContainerName, temporaryName } from '../../stack/names.js';
import { readinessTimeoutMs } from './readiness.js';
import type { JoinResolution } from '../../stack/joins.js';
import type { Action, Joins, RemoveReason } from '../plan-action.js';

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

export function planService(
  project: string,
  spec: ServiceSpec,
  hash: string,
  containers: ActualContainer[],
  job: boolean,
  joins: Joins,
): Action[] {
  const actions: Action[] = [];
  // Containers pair with replicas by their labels, never by name. A new replica is started under
  // a temporary name (`<name>-next`) and takes its name only once ready, so a temporary container
  // of the desired hash is a rollout in flight (an earlier pass started it): it is looked at
  // again, not removed. Any other container under another name than its labels imply is a stray
  // (an interrupted update of another hash): it goes first. The name an older Spin gave a replica
  // is not a stray: that container is kept and renamed (see below).
  const inFlight = rolloutsInFlight(project, spec, hash, containers);
  const flying = new Set(inFlight.values());
  const strays = containers.filter(
    (c) =>
      c.replica >= 1 &&
      !flying.has(c) &&
      c.name !== containerName(project, spec.name, c.replica) &&
      c.name !== legacyContainerName(project, spec.name, c.replica),
  );
  for (const c of strays) actions.push(removal(c, 'temporary'));
  const canonical = containers.filter((c) => !strays.includes(c) && !flying.has(c));
  const byReplica = groupBy(canonical, (c) => c.replica);
  const extras = canonical.filter((c) => c.replica < 1 || c.replica > spec.replicas);
  for (const c of byReplicaDescending(extras))
    actions.push(removal(c, c.replica < 1 ? 'invalid-replica' : 'scale-down'));

  for (let replica = 1; replica <= spec.replicas; replica++) {
    const name = containerName(project, spec.name, replica);
    const candidates = byReplica.get(replica) ?? [];
    const keeper = pickKeeper(candidates, hash);
    for (const c of candidates) if (c !== keeper) actions.push(removal(c, 'duplicate'));
    const next = inFlight.get(replica);
    if (next) {
      actions.push({
        kind: 'await',
        service: spec.name,
        replica,
        name,
        containerId: next.id,
        ...(keeper ? { replaces: keeper.id } : {}),
        readyBy: readyBy(next, spec),
        ...(next.state === 'created' ? { unstarted: true } : {}),
      });
    } else if (!keeper) {
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
      } else if (keeper.state === 'running' && keeper.health === 'starting') {
        // Started again in place (by an earlier pass, by hand, by the engine) and not proven yet:
        // the step that started it only looked briefly, so this pass judges it where it is.
        actions.push({
          kind: 'await',
          service: spec.name,
          replica,
          name,
          containerId: keeper.id,
          readyBy: readyBy(keeper, spec),
          inPlace: true,
        });
      }
    }
  }
  return actions;
}

/**
 * Pure: per replica, the temporary container of the desired hash an earlier pass started and that
 * has not taken its replica's name yet (the newest, when a crash left several). None for a
 * replica whose named container already has the desired hash and works: that one has proven
 * itself, the temporary is a stray. Recognised from the engine alone (labels, name, state).
 */
export function rolloutsInFlight(
  project: string,
  spec: ServiceSpec,
  hash: string,
  containers: readonly ActualContainer[],
): Map<number, ActualContainer> {
  const found = new Map<number, ActualContainer>();
  for (let replica = 1; replica <= spec.replicas; replica++) {
    const name = containerName(project, spec.name, replica);
    const proven = containers.some(
      (c) =>
        c.replica === replica &&
        (c.name === name || c.name === legacyContainerName(project, spec.name, replica)) &&
        c.configHash === hash &&
        c.state !== 'dead' &&
        c.state !== 'removing',
    );
    if (proven) continue;
    const next = containers
      .filter(
        (c) =>
          c.replica === replica &&
          c.name === temporaryName(name) &&
          c.configHash === hash &&
          c.state !== 'dead' &&
          c.state !== 'removing',
      )
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (next) found.set(replica, next);
  }
  return found;
}

/** When a new container must be ready by (ms since the epoch): its creation plus its readiness window. */
export function readyBy(c: ActualContainer, spec: ServiceSpec): number {
  return c.createdAt * 1000 + readinessTimeoutMs(spec);
}

/**
 * Pure: a service's joins paired, by the labels the planner already grouped them by, with this
 * project's containers (only this project's are listed here). Empty when the service joins nothing.
 */
export function planJoins(resolved: JoinResolution[], byService: Map<string, ActualContainer[]>): Joins {
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

export function removal(c: ActualContainer, reason: RemoveReason): Action {
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

export function byReplicaDescending(list: ActualContainer[]): ActualContainer[] {
  return [...list].sort((a, b) => b.replica - a.replica || a.name.localeCompare(b.name));
}

export function groupBy<T, K>(list: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of list) {
    const k = key(item);
    const group = map.get(k);
    if (group) group.push(item);
    else map.set(k, [item]);
  }
  return map;
}
