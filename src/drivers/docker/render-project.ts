/**
 * Pure: every create body a commit would send, for the commit gate (`loadDesired`), `spin
 * validate` and `spin plan`: each service's first replica, and the project's volumes and
 * networks, rendered by the same functions the driver sends them with.
 */
import type { StackModel } from '../../stack/model.js';
import type { ProjectRequests } from '../../policy/admission/index.js';
import { containerName } from '../../reconciler/labels.js';
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
