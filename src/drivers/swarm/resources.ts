/**
 * Pure: Swarm's resource shape. A project is its overlay networks (wave 0; deleted in wave 2) and
 * one `service/<name>` per compose service (wave 1), whose hash is the hash of the whole rendered
 * service spec: replicas, update settings and placement are the engine's business, and a change
 * to any of them is one service update. Swarm schedules, restarts and rolls back the tasks.
 */
import type Docker from 'dockerode';
import type { ActualNetwork, ActualState } from '../../model/actual-state.js';
import type { NetworkSpec, ServiceSpec } from '../../stack/model.js';
import type { Action } from '../plan-action.js';
import type { DesiredResource, DesiredState, LiveResource, Step } from '../resources.js';
import { isFailureOf, serviceCondition } from './health.js';
import { labelsOf, type SwarmServiceState } from './live.js';
import { serviceName, SPEC_HASH } from './names.js';
import { comparable, swarmNetworkSpec, swarmServiceSpec } from './service-spec.js';
import type { ActualFileObject } from '../../model/actual-state.js';
import {
  desiredFileObjects,
  referencedObjects,
  revisionRemovable,
  type DesiredFileObject,
} from './file-objects.js';

export interface DesiredSwarmService {
  project: string;
  service: string;
  spec: Docker.ServiceSpec;
}

export interface DesiredSwarmNetwork {
  network: NetworkSpec;
  body: ReturnType<typeof swarmNetworkSpec>;
}

const NETWORK = 'network';
const SERVICE = 'service';
const serviceKey = (name: string) => `${SERVICE}/${name}`;
const OBJECT_KINDS: readonly string[] = ['secret', 'config'];
/** One revision of a secret or config: its key names the content, so a new value is a new resource. */
const objectKey = (o: { kind: string; key: string; hash: string }) => `${o.kind}/${o.key}@${o.hash}`;

export function renderSwarm(desired: DesiredState): DesiredResource[] {
  const { model } = desired;
  const resources: DesiredResource[] = [];
  for (const name of Object.keys(model.networks).sort()) {
    const network = model.networks[name] as NetworkSpec;
    const body: DesiredSwarmNetwork = {
      network,
      body: swarmNetworkSpec(model.project, name, network.internal, network.labels),
    };
    resources.push({
      kind: NETWORK,
      key: `${NETWORK}/${name}`,
      hash: '',
      dependsOn: [],
      wave: 0,
      prune: 'always',
      body,
    });
  }
  // Created before the services that reference them (wave 0); their removal waits (wave 2).
  for (const object of desiredFileObjects(model, desired.contents)) {
    resources.push({
      kind: object.kind,
      key: objectKey(object),
      hash: object.hash,
      dependsOn: [],
      wave: 0,
      prune: 'always',
      body: object,
    });
  }
  for (const name of Object.keys(model.services).sort()) {
    const spec = model.services[name] as ServiceSpec;
    const rendered = swarmServiceSpec({
      project: model.project,
      spec,
      commit: desired.commit,
      configHash: desired.hashes[name] ?? '',
      contents: desired.contents,
    });
    const body: DesiredSwarmService = { project: model.project, service: name, spec: rendered };
    resources.push({
      kind: SERVICE,
      key: serviceKey(name),
      hash: labelsOf(rendered)[SPEC_HASH] ?? '',
      // Swarm has no start order; creating dependencies first only makes the first start tidier.
      dependsOn: Object.keys(spec.dependsOn).map(serviceKey),
      wave: 1,
      prune: 'always',
      body,
    });
  }
  return resources;
}

export function observeSwarm(actual: ActualState, project: string): LiveResource[] {
  const live: LiveResource[] = [];
  for (const n of actual.networks) {
    if (n.project === project)
      live.push({ kind: NETWORK, key: `${NETWORK}/${n.key}`, hash: '', wave: 2, prune: 'always', body: n });
  }
  for (const o of actual.fileObjects ?? []) {
    if (o.project === project)
      live.push({ kind: o.kind, key: objectKey(o), hash: o.hash, wave: 2, prune: 'always', body: o });
  }
  for (const unit of actual.units ?? []) {
    if (unit.project !== project) continue;
    const state = unit.detail as SwarmServiceState;
    live.push({
      kind: SERVICE,
      key: serviceKey(unit.service),
      hash: labelsOf(state.spec)[SPEC_HASH] ?? '',
      wave: 1,
      prune: 'always',
      body: state,
    });
  }
  return live;
}

/**
 * Why a service whose spec hash matches still needs a look: edited by hand (its spec no longer
 * says what the hash label claims), or an update still rolling, rolled back or paused (the step
 * then reports progress or the failure; it sends nothing unless the spec differs).
 */
export function swarmDrift(
  desired: DesiredResource,
  live: LiveResource,
  _all: readonly LiveResource[],
  nowMs = Date.now(),
): string[] {
  if (desired.kind !== SERVICE) return [];
  const state = live.body as SwarmServiceState;
  const want = (desired.body as DesiredSwarmService).spec;
  if (!specMatches(comparable(want), state.spec)) return ['service spec changed outside Spin'];
  const condition = serviceCondition(state, nowMs);
  if (condition.kind === 'converged') return [];
  // Another spec failed (Swarm rolled it back to this one): what is desired is what runs.
  if (condition.kind === 'failed' && !isFailureOf(condition, { hash: desired.hash, spec: want })) return [];
  return [condition.reason];
}

/**
 * The live spec says at least what the rendered one does. The engine adds defaults of its own
 * (Isolation, Runtime, ForceUpdate, EndpointSpec.Mode ...), so extra live keys do not count; an
 * empty list or map that the engine dropped matches an absent one.
 */
export function specMatches(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) {
    const list = Array.isArray(have) ? have : have === undefined || have === null ? [] : undefined;
    return list !== undefined && list.length === want.length && want.every((w, i) => specMatches(w, list[i]));
  }
  if (want !== null && typeof want === 'object') {
    const obj =
      have !== null && typeof have === 'object' && !Array.isArray(have)
        ? (have as Record<string, unknown>)
        : have === undefined
          ? {}
          : undefined;
    if (!obj) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => specMatches(w, obj[k]));
  }
  if (want === undefined) return true;
  return want === have || (want === false && have === undefined) || (want === 0 && have === undefined);
}

export function swarmActionsOf(step: Step, all: readonly LiveResource[] = []): Action[] {
  if (OBJECT_KINDS.includes(step.kind)) return objectActions(step, all);
  if (step.kind === NETWORK) {
    if (step.op === 'create')
      return [{ kind: 'create-network', network: (step.desired?.body as DesiredSwarmNetwork).network }];
    if (step.op === 'delete') {
      const n = step.live?.body as ActualNetwork;
      return [{ kind: 'remove-network', network: n.key, id: n.id }];
    }
    return [];
  }
  const service = step.key.slice(SERVICE.length + 1);
  const live = step.live?.body as SwarmServiceState | undefined;
  const project = (step.desired?.body as DesiredSwarmService | undefined)?.project;
  const name = live?.name ?? serviceName(project ?? '', service);
  if (step.op === 'create') return [{ kind: 'create', service, replica: 0, name }];
  if (!live) return [];
  if (step.op === 'delete')
    return [{ kind: 'remove', service, replica: 0, name, containerId: live.id, reason: 'service-removed' }];
  // Same hash and spec: the step only reports how the engine's own rollout goes. Compared without
  // the commit labels, as drift is: a service an older commit last changed is not rewritten
  // (and all its tasks restarted) because a node went away and its tasks are being rescheduled.
  const want = (step.desired?.body as DesiredSwarmService | undefined)?.spec;
  if (step.live?.hash === step.desired?.hash && want && specMatches(comparable(want), live.spec))
    return [{ kind: 'watch', service, name, reason: step.why }];
  // The desired spec is the one Swarm just rolled back: judged (failed), never sent again in a
  // loop. Only a spec that differs from it (a new commit, or the last healthy one) is sent.
  if (want && step.desired && rolledBackSpec(live, { hash: step.desired.hash, spec: want }))
    return [{ kind: 'watch', service, name, reason: step.why }];
  return [{ kind: 'recreate', service, replica: 0, name, containerId: live.id }];
}

function rolledBackSpec(live: SwarmServiceState, desired: Parameters<typeof isFailureOf>[1]): boolean {
  // No clock: only the engine's own verdicts (a rollback or a pause) decide here, never a deadline.
  const condition = serviceCondition(live, 0);
  return condition.kind === 'failed' && isFailureOf(condition, desired);
}

/** A missing revision is created; one nothing desires is removed once retention lets it go. */
function objectActions(step: Step, all: readonly LiveResource[]): Action[] {
  if (step.op === 'create') {
    const o = step.desired?.body as DesiredFileObject;
    return [{ kind: 'create-object', object: o.kind, key: o.key, name: o.name }];
  }
  if (step.op !== 'delete') return [];
  const o = step.live?.body as ActualFileObject;
  const revisions = all.filter((r) => OBJECT_KINDS.includes(r.kind)).map((r) => r.body as ActualFileObject);
  const referenced = new Set(
    all
      .filter((r) => r.kind === SERVICE)
      .flatMap((r) => {
        const state = r.body as SwarmServiceState;
        return [...referencedObjects(state.spec), ...referencedObjects(state.previousSpec)];
      }),
  );
  if (!revisionRemovable(o, revisions, referenced)) return [];
  return [{ kind: 'remove-object', object: o.kind, key: o.key, name: o.name, id: o.id }];
}
