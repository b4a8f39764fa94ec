/**
 * The last gate over a whole project's requests: each create body, plus what only the sum
 * shows (containers per project, published host ports per project).
 */
import type { AdmissionContext, AdmissionFinding } from './context.js';
import { admitContainer } from './container.js';
import { publishedPortCount } from './ports.js';
import { admitNetwork } from './network.js';
import { admitVolume } from './volume.js';

export interface ProjectRequests {
  /** One rendered create body per service (its first replica), with its replica count. */
  containers: { service: string; replicas: number; body: unknown }[];
  volumes: { key: string; body: unknown }[];
  networks: { key: string; body: unknown }[];
}

export function admitProject(requests: ProjectRequests, ctx: AdmissionContext): AdmissionFinding[] {
  const out: AdmissionFinding[] = [];
  for (const c of requests.containers) out.push(...admitContainer(c.body, c.service, ctx));
  for (const v of requests.volumes) out.push(...admitVolume(v.body, v.key, ctx));
  for (const n of requests.networks) out.push(...admitNetwork(n.body, n.key, ctx));
  const resources = ctx.policy.resources;
  if (!resources.enabled) return out;
  const containers = requests.containers.reduce((sum, c) => sum + c.replicas, 0);
  const max = resources.maxContainersPerProject;
  if (max !== null && containers > max) {
    out.push({
      rule: 'resources.containers',
      message: `the stack asks for ${containers} containers (replicas added up), above the project cap of ${max}; lower replicas`,
      subject: { kind: 'service', name: '' },
      fields: [],
      request: 'containers',
    });
  }
  const maxPorts = resources.maxPublishedPortsPerProject;
  const ports = requests.containers.reduce((sum, c) => {
    const host = (c.body as { HostConfig?: { PortBindings?: unknown } } | undefined)?.HostConfig;
    return sum + publishedPortCount(host?.PortBindings) * c.replicas;
  }, 0);
  if (maxPorts !== null && ports > maxPorts) {
    out.push({
      rule: 'resources.published-ports',
      message: `the stack publishes ${ports} host ports (each port of a range, times replicas), above the project cap of ${maxPorts}; publish fewer`,
      subject: { kind: 'service', name: '' },
      fields: [],
      request: 'HostConfig.PortBindings',
    });
  }
  return out;
}
