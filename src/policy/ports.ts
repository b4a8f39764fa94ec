/** Network exposure: published host ports only inside the allowed ranges, never below 1024. */
import { type RuleContext, type RuleGroup, type ServiceEntry } from './helpers.js';
import { parsePortRange, servicePorts, type PortRange } from './syntax.js';

export const ports: RuleGroup = {
  name: 'network',
  rules: {
    'ports.privileged': 'published host ports below 1024',
    'ports.range': 'published host ports outside the allowed ranges (also malformed ports)',
    'ports.host-ip': 'host IPs outside the allow list (a port without one binds every interface)',
  },
  check(ctx) {
    const ranges = ctx.policy.network.portRanges.flatMap((r) => parsePortRange(r) ?? []);
    const hostIps = ctx.policy.network.hostIps.map((ip) => ip.trim().replace(/^\[(.*)\]$/, '$1'));
    for (const s of ctx.services) checkService(ctx, s, ranges, hostIps);
  },
};

/**
 * Where the engine takes a host port when none is given: Linux's default local port range
 * (net.ipv4.ip_local_port_range). Only policies that narrow the ranges below it refuse such ports.
 */
const EPHEMERAL_PORTS: PortRange = { low: 32768, high: 60999 };

function within(p: PortRange, ranges: PortRange[]): boolean {
  return ranges.some((r) => r.low <= p.low && p.high <= r.high);
}

function show(r: PortRange): string {
  return r.low === r.high ? String(r.low) : `${r.low}-${r.high}`;
}

function checkService(ctx: RuleContext, s: ServiceEntry, ranges: PortRange[], hostIps: string[]): void {
  const allowed = (): string => ranges.map(show).join(', ') || 'none';
  for (const port of servicePorts(s.raw, s.path)) {
    const p = port.published;
    if (port.invalid !== undefined) {
      ctx.report('ports.range', port.publishedPath, `"${port.invalid}" is not a port or a port range`);
    } else if (p && p.low < 1024) {
      ctx.report(
        'ports.privileged',
        port.publishedPath,
        `host port ${show(p)} is below 1024 (reserved for the system); publish a port in ${allowed()} and keep the container port as it is`,
      );
    } else if (p && !within(p, ranges)) {
      ctx.report(
        'ports.range',
        port.publishedPath,
        `host port ${show(p)} is outside the allowed ranges; use a port in ${allowed()}`,
      );
    } else if (!p && !within(EPHEMERAL_PORTS, ranges)) {
      ctx.report(
        'ports.range',
        port.publishedPath,
        `a port without a host port gets one the engine picks from ${show(EPHEMERAL_PORTS)}, outside the allowed ranges; publish a fixed host port in ${allowed()} (e.g. "${ranges[0]?.low ?? 8080}:80" for container port 80)`,
      );
    }
    if (hostIps.includes('*')) continue;
    const ip = port.hostIp ?? '0.0.0.0';
    if (hostIps.includes(ip)) continue;
    ctx.report(
      'ports.host-ip',
      port.hostIpPath,
      `${port.hostIp === undefined ? 'a port without a host IP binds every interface' : `host IP ${ip} is not allowed`}; publish on ${hostIps.join(', ') || 'no host IP'} (e.g. "${hostIps[0] ?? '127.0.0.1'}:8080:80" or host_ip:)`,
    );
  }
}
