/** The last gate over network, pid and ipc modes: the project's own, or what the policy allows. */
import type { Findings } from './context.js';

/** `container:X` where X is a container of another service of this stack. */
function isOwnContainer(f: Findings, target: string): boolean {
  const service = f.ctx.containers.get(target);
  return service !== undefined && service !== f.subject.name;
}

export function judgeNamespaces(f: Findings, hc: Record<string, unknown>): void {
  const allowHost = f.enabled('namespaces') ? f.policy.namespaces.allowHost : ['network', 'pid', 'ipc'];
  const project = f.ctx.project;
  const modes: [string, string, string, (v: string) => boolean][] = [
    ['NetworkMode', 'network', 'network_mode', (v) => v === 'none' || v.startsWith(`${project}_`)],
    ['PidMode', 'pid', 'pid', (v) => v === ''],
    ['IpcMode', 'ipc', 'ipc', (v) => ['', 'private', 'shareable', 'none'].includes(v)],
  ];
  for (const [key, namespace, yamlKey, own] of modes) {
    const raw = hc[key];
    if (raw === undefined) continue;
    const value = typeof raw === 'string' ? raw : String(raw);
    if (own(value)) continue;
    if (value.toLowerCase() === 'host') {
      if (!allowHost.includes(namespace as never))
        f.add(
          'namespaces.host',
          `HostConfig.${key}`,
          `the container would share the host's ${namespace} namespace`,
          [yamlKey],
        );
      continue;
    }
    if (value.startsWith('container:')) {
      if (!isOwnContainer(f, value.slice('container:'.length)))
        f.add(
          'namespaces.foreign-container',
          `HostConfig.${key}`,
          `"${value}" is not a replica of another service of this stack`,
          [yamlKey],
        );
      continue;
    }
    f.add(
      key === 'NetworkMode' ? 'isolation.network-mode' : 'namespaces.host',
      `HostConfig.${key}`,
      `${yamlKey} "${value}" is not allowed`,
      [yamlKey],
    );
  }
}
