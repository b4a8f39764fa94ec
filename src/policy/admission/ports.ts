/** The last gate over PortBindings: host ports inside the policy's ranges, on allowed host IPs. */
import { parsePortRange } from '../syntax.js';
import { isObject, refuseUnknownKeys, type Findings } from './context.js';

/** Host ports one PortBindings entry takes: a range counts each port; an ephemeral one counts 1. */
export function publishedPortCount(bindings: unknown): number {
  let count = 0;
  for (const list of Object.values(isObject(bindings) ? bindings : {})) {
    for (const b of Array.isArray(list) ? list : []) {
      const port = isObject(b) && typeof b.HostPort === 'string' ? b.HostPort : '';
      const range = port === '' ? undefined : parsePortRange(port);
      count += range ? range.high - range.low + 1 : 1;
    }
  }
  return count;
}

export function judgePorts(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    f.add('ports.range', 'HostConfig.PortBindings', 'PortBindings is not a map', ['ports']);
    return;
  }
  if (!f.enabled('network')) return;
  const policy = f.policy.network;
  const ranges = policy.portRanges.flatMap((r) => parsePortRange(r) ?? []);
  for (const [key, list] of Object.entries(value)) {
    if (!/^\d{1,5}(-\d{1,5})?\/(tcp|udp|sctp)$/.test(key))
      f.add('ports.range', `HostConfig.PortBindings.${key}`, `"${key}" is not a container port`, ['ports']);
    for (const b of Array.isArray(list) ? list : [list]) {
      const binding = isObject(b) ? b : {};
      refuseUnknownKeys(f, binding, `HostConfig.PortBindings.${key}.`, new Set(['HostIp', 'HostPort']));
      const hostIp = typeof binding.HostIp === 'string' ? binding.HostIp : '';
      if (hostIp !== '' && !policy.hostIps.includes('*') && !policy.hostIps.includes(hostIp)) {
        f.add(
          'ports.host-ip',
          `HostConfig.PortBindings.${key}`,
          `host IP ${hostIp} is not allowed (allowed: ${policy.hostIps.join(', ')})`,
          ['ports'],
        );
      }
      if (
        hostIp === '' &&
        !policy.hostIps.includes('*') &&
        typeof binding.HostPort === 'string' &&
        binding.HostPort !== ''
      ) {
        f.add(
          'ports.host-ip',
          `HostConfig.PortBindings.${key}`,
          'a port on all interfaces is not allowed; give host_ip',
          ['ports'],
        );
      }
      const port = typeof binding.HostPort === 'string' ? binding.HostPort : String(binding.HostPort);
      if (port === '') continue;
      const range = parsePortRange(port);
      if (!range) {
        f.add('ports.range', `HostConfig.PortBindings.${key}`, `host port "${port}" is not a port or range`, [
          'ports',
        ]);
      } else if (range.low < 1024) {
        f.add('ports.privileged', `HostConfig.PortBindings.${key}`, `host port ${range.low} is below 1024`, [
          'ports',
        ]);
      } else if (!ranges.some((r) => range.low >= r.low && range.high <= r.high)) {
        f.add(
          'ports.range',
          `HostConfig.PortBindings.${key}`,
          `host port ${port} is outside the allowed ranges (${policy.portRanges.join(', ')})`,
          ['ports'],
        );
      }
    }
  }
}
