/**
 * Namespace joins: `network_mode`, `pid` or `ipc` set to `service:X` or `container:X` share that
 * container's namespace. A join must land on a container of the same project, so a join is read
 * here into the (service, replica) it names, and everything after that goes by labels: the
 * planner pairs it with the project's own containers, and the driver resolves it to a container
 * id whose `spin.project` label it checks right before the create call. Names are never trusted
 * to say whose a container is (any project can ask the engine for any free name).
 */
import type { ServiceSpec, StackModel } from './model.js';
import { parseContainerName } from './names.js';

export type JoinKey = 'network_mode' | 'pid' | 'ipc';
export const JOIN_KEYS: readonly JoinKey[] = ['network_mode', 'pid', 'ipc'];

/** One join of one service: which key, the value as written, and the replica it names. */
export interface JoinTarget {
  key: JoinKey;
  value: string;
  service: string;
  replica: number;
}

export type JoinResolution = { ok: true; target: JoinTarget } | { ok: false; key: JoinKey; reason: string };

/** The service's value for a join key, as the model keeps it. */
export function joinValue(spec: ServiceSpec, key: JoinKey): string | undefined {
  if (key === 'network_mode') return spec.networkMode;
  return key === 'pid' ? spec.pid : spec.ipc;
}

/** `service:X` / `container:X` in any case (the policy must not miss `Container:`), else undefined. */
export function joinReference(value: string): { kind: 'service' | 'container'; name: string } | undefined {
  const m = /^\s*(service|container):(.*)$/i.exec(value);
  if (!m) return undefined;
  return { kind: (m[1] as string).toLowerCase() as 'service' | 'container', name: (m[2] as string).trim() };
}

/**
 * Pure: the (service, replica) a join names, without looking at the stack: `service:X` is replica
 * 1 of X; `container:X` must be a name of this project's scheme (`<project>_<service>_<n>`).
 * Undefined when the value is no join; `ok: false` when it names nothing of this project.
 */
export function parseJoin(project: string, key: JoinKey, value: string): JoinResolution | undefined {
  const ref = joinReference(value);
  if (!ref) return undefined;
  if (ref.kind === 'service') {
    if (!ref.name) return { ok: false, key, reason: `${key} "${value}" names no service` };
    return { ok: true, target: { key, value, service: ref.name, replica: 1 } };
  }
  const parsed = parseContainerName(ref.name);
  if (!parsed || parsed.project !== project) {
    return { ok: false, key, reason: `${key} "${value}" is not a container of project ${project}` };
  }
  return { ok: true, target: { key, value, service: parsed.service, replica: parsed.replica } };
}

/**
 * Pure: a join checked against the stack that will run: the target must be another service that
 * is deployed (not one left out by `profiles:`) and the replica one it will have.
 */
export function resolveJoin(
  project: string,
  model: StackModel,
  self: string,
  key: JoinKey,
  value: string,
): JoinResolution | undefined {
  const parsed = parseJoin(project, key, value);
  if (!parsed?.ok) return parsed;
  const { service, replica } = parsed.target;
  const spec = model.services[service];
  if (service === self) return { ok: false, key, reason: `${key} "${value}" joins the service itself` };
  if (!spec) {
    return {
      ok: false,
      key,
      reason: `${key} "${value}": ${service} is not a deployed service of this stack`,
    };
  }
  if (replica > spec.replicas) {
    return { ok: false, key, reason: `${key} "${value}": ${service} has ${spec.replicas} replica(s)` };
  }
  return parsed;
}

/** Pure: every join of one service, each resolved against the stack. */
export function serviceJoins(project: string, model: StackModel, spec: ServiceSpec): JoinResolution[] {
  const out: JoinResolution[] = [];
  for (const key of JOIN_KEYS) {
    const value = joinValue(spec, key);
    const resolved = value === undefined ? undefined : resolveJoin(project, model, spec.name, key, value);
    if (resolved) out.push(resolved);
  }
  return out;
}
