import type Docker from 'dockerode';
import type { NetworkSpec } from '../../stack/model.js';
import { LABEL, networkName } from '../../stack/names.js';

/** Pure: the engine's create-network body for one network of a project. */
export function networkCreateOptions(project: string, network: NetworkSpec): Docker.NetworkCreateOptions {
  return {
    Name: networkName(project, network.name),
    Driver: network.driver,
    Internal: network.internal,
    CheckDuplicate: true,
    Labels: {
      ...network.labels,
      [LABEL.managed]: 'true',
      [LABEL.project]: project,
      [LABEL.network]: network.name,
    },
  };
}
