/**
 * Pure: service settings a Swarm service spec (Engine API 1.41) cannot carry. Sent anyway, Swarm
 * would drop them without a word, so a stack asking for them is refused, located, instead:
 * a security setting silently lost (`no-new-privileges`) is worse than a refusal.
 */
import type { AdmissionFinding } from '../../policy/admission/index.js';
import type { ServiceSpec, StackModel, VolumeSpec } from '../../stack/model.js';
import { objectNameProblem } from './file-objects.js';

const FIELDS: { field: string; what: string; present: (s: ServiceSpec) => boolean }[] = [
  { field: 'privileged', what: 'privileged', present: (s) => s.privileged === true },
  { field: 'pid', what: 'a pid namespace setting', present: (s) => s.pid !== undefined },
  { field: 'ipc', what: 'an ipc namespace setting', present: (s) => s.ipc !== undefined },
  { field: 'network_mode', what: 'network_mode', present: (s) => s.networkMode !== undefined },
  {
    field: 'security_opt',
    what: 'security_opt (Swarm services on Engine API 1.41 have no such field; a policy for Swarm sets privilege.requireNoNewPrivileges: false)',
    present: (s) => s.securityOpt.length > 0,
  },
  { field: 'shm_size', what: 'shm_size', present: (s) => s.shmSizeBytes !== undefined },
  {
    field: 'tmpfs',
    what: 'a service tmpfs: list (use a volumes: entry of type tmpfs)',
    present: (s) => s.tmpfs.length > 0,
  },
  { field: 'domainname', what: 'domainname', present: (s) => s.domainname !== undefined },
];

export function swarmUnsupported(model: StackModel): AdmissionFinding[] {
  const found: AdmissionFinding[] = [];
  for (const spec of Object.values(model.services)) {
    for (const f of FIELDS) {
      if (!f.present(spec)) continue;
      found.push({
        rule: 'engine.unsupported',
        message: `${f.what} is not supported by the swarm engine; remove it or deploy to a docker engine`,
        subject: { kind: 'service', name: spec.name },
        fields: [[f.field]],
        request: f.field,
      });
    }
  }
  for (const spec of Object.values(model.services)) {
    spec.ports.forEach((p, i) => {
      // Swarm publishes on every interface of every node (routing mesh): a host IP cannot hold.
      if (p.hostIp === undefined || p.hostIp === '') return;
      found.push({
        rule: 'engine.unsupported',
        message: `a published port on host IP ${p.hostIp} is not supported by the swarm engine (it publishes on every node's interfaces); remove the IP, and the policy must allow hostIps: ["*"]`,
        subject: { kind: 'service', name: spec.name },
        fields: [['ports', i]],
        request: 'EndpointSpec.Ports',
      });
    });
  }
  for (const spec of Object.values(model.services)) {
    for (const field of ['secrets', 'configs'] as const) {
      (spec[field] ?? []).forEach((m, i) => {
        const problem = objectNameProblem(model.project, m.source);
        if (problem === undefined) return;
        found.push({
          rule: 'engine.unsupported',
          message: `${field.slice(0, -1)} ${m.source}: ${problem}`,
          subject: { kind: 'service', name: spec.name },
          fields: [[field, i]],
          request: `TaskTemplate.ContainerSpec.${field === 'secrets' ? 'Secrets' : 'Configs'}`,
        });
      });
    }
  }
  for (const v of Object.values(model.volumes)) if (!plainLocal(v)) found.push(volumeFinding(v));
  return found;
}

function plainLocal(v: VolumeSpec): boolean {
  return (v.driver === 'local' || v.driver === '') && Object.keys(v.driverOpts).length === 0;
}

function volumeFinding(v: VolumeSpec): AdmissionFinding {
  return {
    rule: 'engine.unsupported',
    message: `only plain local volumes (each node's own) are supported by the swarm engine; remove driver and driver_opts of volume ${v.name}`,
    subject: { kind: 'volume', name: v.name },
    fields: [['driver_opts'], ['driver']],
    request: 'VolumeOptions.DriverConfig',
  };
}
