import { admitProject, type AdmissionContext } from '../../policy/admission/index.js';
import type { ResolvedPolicy } from '../../policy/index.js';
import type { StackModel } from '../../stack/model.js';
import { containerName } from '../../stack/names.js';
import type { EngineCapabilities } from '../capabilities.js';
import type { EngineRules } from '../driver.js';
import type { DesiredState } from '../resources.js';
import { renderProjectRequests } from './render-project.js';

/** A single Docker engine does everything a compose stack asks of Spin. */
export const DOCKER_CAPABILITIES: EngineCapabilities = {
  engine: 'docker',
  dependsOnConditions: ['service_started', 'service_healthy', 'service_completed_successfully'],
  updateOrders: ['start-first', 'stop-first'],
  hostPorts: true,
  bindMounts: true,
  secretFiles: true,
  sharedNamespaces: true,
};

/** Docker's pure half: its capabilities and the last gate over the bodies it would send. */
export const dockerRules: EngineRules = {
  capabilities: DOCKER_CAPABILITIES,
  /** Each service's first replica, the volumes and networks, rendered as the driver sends them. */
  admitCommit(desired: DesiredState, resolveBindSource, admission: AdmissionContext) {
    const requests = renderProjectRequests({ ...desired, resolveBindSource });
    return admitProject(requests, admission);
  },
  admissionContext(model: StackModel, policy: ResolvedPolicy, spinRoots: string[]): AdmissionContext {
    const containers = new Map<string, string>();
    for (const spec of Object.values(model.services)) {
      for (let replica = 1; replica <= spec.replicas; replica++)
        containers.set(containerName(model.project, spec.name, replica), spec.name);
    }
    return { policy, project: model.project, containers, spinRoots };
  },
};
