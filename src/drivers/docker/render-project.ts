/**
 * Pure: every create body a commit would send, for the commit gate (`loadDesired`), `spin
 * validate` and `spin plan`: each service's first replica, and the project's volumes and
 * networks, rendered by the same functions the driver sends them with.
 */
import type { ServiceSpec, StackModel } from '../../stack/model.js';
import { JOIN_KEYS, joinValue, parseJoin, type JoinKey } from '../../stack/joins.js';
import type { ProjectRequests } from '../../policy/admission/index.js';
import { containerName } from '../../stack/names.js';
import { containerCreateOptions } from './container-spec.js';
import { networkCreateOptions } from './network-spec.js';
import { volumeCreateOptions } from './volume-spec.js';

export interface RenderInput {
  model: StackModel;
  commit: string;
  hashes: Readonly<Record<string, string>>;
  resolveBindSource(source: string): string;
}

export function renderProjectRequests(input: RenderInput): ProjectRequests {
  const { model } = input;
  const project = model.project;
  return {
    containers: Object.values(model.services).map((spec) => ({
      service: spec.name,
      replicas: spec.replicas,
      body: containerCreateOptions({
        project,
        name: containerName(project, spec.name, 1),
        replica: 1,
        spec,
        commit: input.commit,
        configHash: input.hashes[spec.name] ?? '',
        resolveBindSource: input.resolveBindSource,
        joined: placeholderJoins(project, spec),
      }).options,
    })),
    volumes: Object.values(model.volumes).map((v) => ({
      key: v.name,
      body: volumeCreateOptions(project, v),
    })),
    networks: Object.values(model.networks).map((n) => ({
      key: n.name,
      body: networkCreateOptions(project, n),
    })),
  };
}

/**
 * Joins as the gate sees them before anything runs: `container:<name>` of the replica each join
 * names (the gate holds those names to this project's own). The create call itself sends the id
 * the driver resolved by label instead; a join that names nothing of this project is left out
 * here, so the body keeps the value as written and the gate refuses it.
 */
export function placeholderJoins(project: string, spec: ServiceSpec): Partial<Record<JoinKey, string>> {
  const joined: Partial<Record<JoinKey, string>> = {};
  for (const key of JOIN_KEYS) {
    const value = joinValue(spec, key);
    const join = value === undefined ? undefined : parseJoin(project, key, value);
    if (join?.ok) joined[key] = containerName(project, join.target.service, join.target.replica);
  }
  return joined;
}
