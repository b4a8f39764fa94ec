import type { AdmissionContext } from '../../policy/admission/index.js';
import type { ResolvedPolicy } from '../../policy/index.js';
import type { StackModel } from '../../stack/model.js';
import { containerName } from '../../stack/names.js';
import type { EngineCapabilities } from '../capabilities.js';
import type { EngineRules } from '../driver.js';
import type { DesiredState } from '../resources.js';
import { admitSwarmProject } from './admission.js';
import { swarmUnsupported } from './unsupported-fields.js';
import { renderSwarm, type DesiredSwarmNetwork, type DesiredSwarmService } from './resources.js';

/**
 * What a Swarm can do with a stack, honestly. No start order beyond creation order (Swarm starts
 * every service at once: `service_healthy`/`service_completed_successfully` cannot be waited
 * for); no binds (a host path is each node's own, and the repository's files are on the daemon's
 * host only); no shared namespaces (`service:X` is another task on any node). Secrets and configs
 * become Swarm secret and config objects (file-objects.ts), not files on the daemon's host. Privileged, host namespaces and devices cannot be
 * expressed in a service spec at all: the last gate refuses the container fields that would ask
 * for them (admission.ts), so a stack cannot have them silently dropped.
 */
export const SWARM_CAPABILITIES: EngineCapabilities = {
  engine: 'swarm',
  dependsOnConditions: ['service_started'],
  updateOrders: ['start-first', 'stop-first'],
  hostPorts: true,
  bindMounts: false,
  secretFiles: false,
  secretObjects: true,
  sharedNamespaces: false,
  placement: true,
};

export const swarmRules: EngineRules = {
  capabilities: SWARM_CAPABILITIES,
  /** Every service spec and network the commit would send, judged as sent. */
  admitCommit(desired: DesiredState, _resolveBindSource, admission: AdmissionContext) {
    const resources = renderSwarm(desired);
    return [
      ...swarmUnsupported(desired.model),
      ...admitSwarmProject(
        {
          services: resources
            .filter((r) => r.kind === 'service')
            .map((r) => {
              const body = r.body as DesiredSwarmService;
              return {
                service: body.service,
                replicas: desired.model.services[body.service]?.replicas ?? 1,
                body: body.spec,
              };
            }),
          networks: resources
            .filter((r) => r.kind === 'network')
            .map((r) => ({
              key: (r.body as DesiredSwarmNetwork).network.name,
              body: (r.body as DesiredSwarmNetwork).body,
            })),
        },
        admission,
      ),
    ];
  },
  admissionContext(model: StackModel, policy: ResolvedPolicy, spinRoots: string[]): AdmissionContext {
    const containers = new Map<string, string>();
    for (const spec of Object.values(model.services))
      containers.set(containerName(model.project, spec.name, 1), spec.name);
    return { policy, project: model.project, containers, spinRoots };
  },
};
