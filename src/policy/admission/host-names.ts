/**
 * The last gate over the names and addresses a container carries about itself (see
 * ../host-names.ts for why a well-formed value is all that is asked): Hostname, Domainname,
 * HostConfig.ExtraHosts, Dns and DnsSearch, and its endpoint's aliases and fixed addresses.
 */
import { dnsNameProblem, extraHostProblem, isIpLiteral, MAX_HOSTNAME } from '../host-names.js';
import { isObject, refuseUnknownKeys, type Findings } from './context.js';

const IPAM = new Set(['IPv4Address', 'IPv6Address']);

function strings(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export function judgeHostNames(f: Findings, body: Record<string, unknown>): void {
  if (!f.enabled('network')) return;
  for (const [key, yaml] of [
    ['Hostname', 'hostname'],
    ['Domainname', 'domainname'],
  ] as const) {
    const value = body[key];
    if (value === undefined || value === '') continue;
    const problem = typeof value === 'string' ? dnsNameProblem(value, MAX_HOSTNAME) : `${key} is not text`;
    if (problem) f.add('network.hostname', key, `${yaml}: ${problem}`, [yaml]);
  }
  const hc = isObject(body.HostConfig) ? body.HostConfig : {};
  judgeList(
    f,
    hc.ExtraHosts,
    'HostConfig.ExtraHosts',
    'network.extra-hosts',
    'extra_hosts',
    extraHostProblem,
  );
  judgeList(f, hc.Dns, 'HostConfig.Dns', 'network.dns', 'dns', (v) =>
    isIpLiteral(v) ? undefined : `${JSON.stringify(v)} is not an IP address`,
  );
  judgeList(f, hc.DnsSearch, 'HostConfig.DnsSearch', 'network.dns', 'dns_search', (v) => dnsNameProblem(v));
}

function judgeList(
  f: Findings,
  value: unknown,
  at: string,
  rule: 'network.extra-hosts' | 'network.dns',
  yaml: string,
  problemOf: (item: string) => string | undefined,
): void {
  const items = strings(value);
  if (!items) {
    f.add(rule, at, `${at} is not a list of text`, [yaml]);
    return;
  }
  items.forEach((item, i) => {
    const problem = problemOf(item);
    if (problem) f.add(rule, `${at}.${i}`, `${yaml}: ${problem}`, [yaml, i], [yaml]);
  });
}

/** One network endpoint of the body: aliases are names, fixed addresses IP literals, nothing else. */
export function judgeEndpoint(
  f: Findings,
  endpoint: Record<string, unknown>,
  at: string,
  network: string,
): void {
  const fields = [['networks', network], ['networks']];
  const aliases = strings(endpoint.Aliases);
  if (!aliases) f.add('network.hostname', `${at}Aliases`, 'Aliases is not a list of text', ...fields);
  if (f.enabled('network')) {
    for (const alias of aliases ?? []) {
      const problem = dnsNameProblem(alias);
      if (problem) f.add('network.hostname', `${at}Aliases`, `network alias: ${problem}`, ...fields);
    }
  }
  const ipam = endpoint.IPAMConfig;
  if (ipam === undefined) return;
  if (!isObject(ipam)) {
    f.add('admission.unknown-field', `${at}IPAMConfig`, 'IPAMConfig is not an object', ...fields);
    return;
  }
  // LinkLocalIPs would give the container extra addresses (169.254.169.254 among them).
  refuseUnknownKeys(f, ipam, `${at}IPAMConfig.`, IPAM);
  for (const key of IPAM) {
    const address = ipam[key];
    if (address !== undefined && (typeof address !== 'string' || !isIpLiteral(address)))
      f.add(
        'network.hostname',
        `${at}IPAMConfig.${key}`,
        `${JSON.stringify(address)} is not an IP address`,
        ...fields,
      );
  }
}
