/**
 * Pure: Docker's resource shape. A project is its networks and volumes (wave 0, created first;
 * deleted in wave 2, after everything) and one `service` resource per service (wave 1, in
 * `depends_on` order), whose body is the service's containers, one per replica. The per-replica
 * detail (strays, duplicates, scale, runtime drift, renames, restarts) is this driver's
 * (replica-plan.ts): the planner only sees a service's config hash.
 */
import type { ActualContainer, ActualNetwork, ActualState, ActualVolume } from '../../model/actual-state.js';
import type { NetworkSpec, ServiceSpec, VolumeSpec } from '../../stack/model.js';
import { serviceJoins, type JoinResolution } from '../../stack/joins.js';
import { describeAction, type Action } from '../plan-action.js';
import type { DesiredResource, DesiredState, LiveResource, Step } from '../resources.js';
import {
  byReplicaDescending,
  dependencyOrder,
  groupBy,
  jobServices,
  planJoins,
  planService,
  removal,
} from './replica-plan.js';

export interface DesiredService {
  spec: ServiceSpec;
  project: string;
  job: boolean;
  joins: JoinResolution[];
}

const NETWORK = 'network';
const VOLUME = 'volume';
const SERVICE = 'service';
/** A service's resource key (its containers' `spin.service` label names it). */
export const serviceKey = (name: string) => `${SERVICE}/${name}`;

export function renderDocker(desired: DesiredState): DesiredResource[] {
  const { model } = desired;
  const resources: DesiredResource[] = [];
  for (const name of Object.keys(model.networks).sort()) {
    const network = model.networks[name] as NetworkSpec;
    resources.push(infra(NETWORK, name, 'always', network));
  }
  for (const name of Object.keys(model.volumes).sort()) {
    const volume = model.volumes[name] as VolumeSpec;
    resources.push(infra(VOLUME, name, 'when-allowed', volume));
  }
  const jobs = jobServices(model.services);
  for (const name of dependencyOrder(model.services)) {
    const spec = model.services[name] as ServiceSpec;
    const joins = serviceJoins(model.project, model, spec);
    // A service that joins another's namespaces waits for it like for a dependency: the driver
    // resolves the join to the target's running container right before the create call.
    const after = [...Object.keys(spec.dependsOn), ...joins.flatMap((j) => (j.ok ? [j.target.service] : []))];
    const body: DesiredService = { spec, project: model.project, job: jobs.has(name), joins };
    resources.push({
      kind: SERVICE,
      key: serviceKey(name),
      hash: desired.hashes[name] ?? '',
      dependsOn: [...new Set(after)].map(serviceKey),
      wave: 1,
      prune: 'always',
      body,
    });
  }
  return resources;
}

function infra(kind: string, name: string, prune: 'always' | 'when-allowed', body: unknown): DesiredResource {
  // Networks and volumes are never updated in place: an empty hash matches any live one.
  return { kind, key: `${kind}/${name}`, hash: '', dependsOn: [], wave: 0, prune, body };
}

export function observeDocker(actual: ActualState, project: string): LiveResource[] {
  const live: LiveResource[] = [];
  for (const n of actual.networks) {
    if (n.project === project)
      live.push({ kind: NETWORK, key: `${NETWORK}/${n.key}`, hash: '', wave: 2, prune: 'always', body: n });
  }
  for (const v of actual.volumes) {
    if (v.project === project)
      live.push({
        kind: VOLUME,
        key: `${VOLUME}/${v.key}`,
        hash: '',
        wave: 2,
        prune: 'when-allowed',
        body: v,
      });
  }
  const byService = groupBy(
    actual.containers.filter((c) => c.project === project),
    (c) => c.service,
  );
  for (const [service, containers] of byService) {
    const hashes = new Set(containers.map((c) => c.configHash));
    live.push({
      kind: SERVICE,
      key: serviceKey(service),
      hash: hashes.size === 1 ? (containers[0] as ActualContainer).configHash : '',
      // A service that left the stack goes before the others: it may hold host ports or names.
      wave: 1,
      prune: 'always',
      body: containers,
    });
  }
  return live;
}

/** The containers of every service of the project, by service, from its live resources. */
function containersByService(all: readonly LiveResource[]): Map<string, ActualContainer[]> {
  const map = new Map<string, ActualContainer[]>();
  for (const r of all)
    if (r.kind === SERVICE) map.set(r.key.slice(SERVICE.length + 1), r.body as ActualContainer[]);
  return map;
}

export function dockerActionsOf(step: Step, all: readonly LiveResource[]): Action[] {
  if (step.op === 'delete') return deletions(step);
  if (step.kind === NETWORK)
    return step.op === 'create'
      ? [{ kind: 'create-network', network: step.desired?.body as NetworkSpec }]
      : [];
  if (step.kind === VOLUME)
    return step.op === 'create' ? [{ kind: 'create-volume', volume: step.desired?.body as VolumeSpec }] : [];
  const desired = step.desired?.body as DesiredService;
  const byService = containersByService(all);
  return planService(
    desired.project,
    desired.spec,
    step.desired?.hash ?? '',
    (step.live?.body as ActualContainer[] | undefined) ?? [],
    desired.job,
    planJoins(desired.joins, byService),
  );
}

function deletions(step: Step): Action[] {
  const live = step.live;
  if (!live) return [];
  if (live.kind === NETWORK) {
    const n = live.body as ActualNetwork;
    return [{ kind: 'remove-network', network: n.key, id: n.id }];
  }
  if (live.kind === VOLUME) return [{ kind: 'remove-volume', volume: (live.body as ActualVolume).key }];
  return byReplicaDescending(live.body as ActualContainer[]).map((c) => removal(c, 'service-removed'));
}

/** A service whose containers all carry its hash may still need work: what that work is. */
export function dockerDrift(
  desired: DesiredResource,
  live: LiveResource,
  all: readonly LiveResource[],
): string[] {
  if (desired.kind !== SERVICE) return [];
  const step: Step = {
    op: 'update',
    key: desired.key,
    kind: desired.kind,
    wave: desired.wave,
    dependsOn: desired.dependsOn,
    desired,
    live,
    why: '',
  };
  return dockerActionsOf(step, all).map(describeAction);
}
