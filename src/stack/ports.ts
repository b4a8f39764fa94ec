import { isIP } from 'node:net';
import { formatPath, type PathSegment } from './diagnostics.js';
import type { Report } from './findings.js';
import type { PortSpec } from './model.js';
import { isRecord } from './records.js';

const RULE = 'stack.invalid-port';
const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

/** `[HOST_IP:][PUBLISHED]:TARGET[/PROTOCOL]` or just `TARGET`; ports may be ranges `A-B`. */
const SHORT = /^(?:(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/([a-zA-Z]+))?$/;

/** Budget of port entries a whole stack may expand to, so '1-65535' lines cannot blow up memory. */
export interface PortBudget {
  left: number;
}

/**
 * Compose `ports:` (short and long syntax) as one PortSpec per container port. Ranges expand
 * pairwise ('8000-8001:80-81' is 8000->80 and 8001->81).
 */
export function normalisePorts(
  items: readonly unknown[],
  at: readonly PathSegment[],
  report: Report,
  budget: PortBudget,
): PortSpec[] {
  const out: PortSpec[] = [];
  items.forEach((item, index) => {
    const path = [...at, index];
    const fail = (why: string): void => report(path, RULE, `${formatPath(path)}: ${why}`);
    const parsed = isRecord(item)
      ? longForm(item)
      : shortForm(typeof item === 'number' ? String(item) : String(item));
    if ('error' in parsed) {
      report(path, parsed.rule ?? RULE, `${formatPath(path)}: ${parsed.error}`);
      return;
    }
    if (parsed.length > budget.left)
      return fail('too many ports: the stack may publish at most 65536 in all');
    budget.left -= parsed.length;
    out.push(...parsed);
  });
  return out;
}

type Parsed = PortSpec[] | { error: string; rule?: string };

function shortForm(text: string): Parsed {
  const match = SHORT.exec(text.trim());
  if (!match) {
    return {
      error: `'${text}' is not a port; write TARGET, PUBLISHED:TARGET or IP:PUBLISHED:TARGET, each optionally /udp`,
    };
  }
  const [, ip, published, target, protocol] = match;
  return expand(target ?? '', published, ip?.replace(/^\[|\]$/g, ''), protocol?.toLowerCase() ?? 'tcp', text);
}

function longForm(item: Record<string, unknown>): Parsed {
  const published =
    item.published === undefined || item.published === '' ? undefined : String(item.published);
  const hostIp = typeof item.host_ip === 'string' && item.host_ip !== '' ? item.host_ip : undefined;
  const protocol = typeof item.protocol === 'string' ? item.protocol.toLowerCase() : 'tcp';
  const parsed = expand(String(item.target), published, hostIp, protocol, `target ${String(item.target)}`);
  if ('error' in parsed || item.mode !== 'host') return parsed;
  return parsed.map((spec) => ({ ...spec, mode: 'host' as const }));
}

function expand(
  target: string,
  published: string | undefined,
  hostIp: string | undefined,
  protocol: string,
  shown: string,
): Parsed {
  if (!isProtocol(protocol)) return { error: `protocol '${protocol}' must be tcp, udp or sctp` };
  const targets = range(target);
  const hosts = published === undefined || published === '' ? undefined : range(published);
  if ('error' in targets) return targets;
  if (hosts && 'error' in hosts) return hosts;
  if (hostIp !== undefined && isIP(hostIp) === 0) {
    return {
      error: `'${hostIp}' is not a host IP address; write an IPv4 or IPv6 address (IPv6 in brackets)`,
    };
  }
  if (hosts && hosts.length > 1 && targets.length === 1) {
    return {
      rule: 'unsupported.port-range',
      error: `'${shown}' asks the engine to pick any free host port in ${published ?? ''} for container port ${targets[0] ?? ''}: this is not supported, because Spin publishes only host ports it has checked against the policy (and a rolling update needs to know them); publish one host port per service (PUBLISHED:TARGET with one replica), or no host port`,
    };
  }
  if (hosts && hosts.length !== targets.length) {
    return {
      error: `'${shown}' maps ${hosts.length} host port(s) to ${targets.length} container port(s); the ranges must be the same length`,
    };
  }
  return targets.map((port, i) => {
    const spec: PortSpec = { target: port, protocol };
    const host = hosts?.[i];
    if (host !== undefined) spec.published = host;
    if (hostIp !== undefined) spec.hostIp = hostIp;
    return spec;
  });
}

function range(text: string): number[] | { error: string } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) return { error: `'${text}' is not a port number or range` };
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535) return { error: `port '${text}' is outside 1-65535` };
  if (last < first) return { error: `port range '${text}' ends before it starts` };
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function isProtocol(value: string): value is PortSpec['protocol'] {
  return (PROTOCOLS as readonly string[]).includes(value);
}
