/**
 * The names and addresses a service gives its own containers: hostname, domainname, network
 * aliases and fixed addresses, extra_hosts, dns and dns_search (see host-names.ts for why only
 * well-formed values are asked for). The last gate checks the same values in the request.
 */
import type { PathSegment } from '../stack/diagnostics.js';
import { asRecord, type RuleContext, type RuleGroup, type ServiceEntry } from './helpers.js';
import { dnsNameProblem, extraHostProblem, isIpLiteral, MAX_HOSTNAME } from './host-names.js';
import type { RuleId } from './types.js';

export const containerNames: RuleGroup = {
  name: 'network',
  rules: {
    'network.hostname':
      '`hostname`, `domainname`, network `aliases` that are not host names (64 characters at most for the first two), and `ipv4_address`/`ipv6_address` that are not IP addresses',
    'network.extra-hosts':
      '`extra_hosts` entries that are not a host name and an IP address (or `host-gateway`)',
    'network.dns': '`dns` entries that are not IP addresses, `dns_search` entries that are not domain names',
  },
  check(ctx) {
    for (const s of ctx.services) if (s.spec) checkService(ctx, s);
  },
};

function checkService(ctx: RuleContext, s: ServiceEntry): void {
  const spec = s.spec;
  if (!spec) return;
  for (const [key, value] of [
    ['hostname', spec.hostname],
    ['domainname', spec.domainname],
  ] as const) {
    const problem = value === undefined || value === '' ? undefined : dnsNameProblem(value, MAX_HOSTNAME);
    if (problem) ctx.report('network.hostname', [...s.path, key], `${key}: ${problem}`);
  }
  each(ctx, s, 'extra_hosts', 'network.extra-hosts', spec.extraHosts, extraHostProblem);
  each(ctx, s, 'dns', 'network.dns', spec.dns, (v) =>
    isIpLiteral(v) ? undefined : `${JSON.stringify(v)} is not an IP address`,
  );
  each(ctx, s, 'dns_search', 'network.dns', spec.dnsSearch, (v) => dnsNameProblem(v));
  for (const [network, attachment] of Object.entries(spec.networks)) {
    const at: PathSegment[] = [...s.path, 'networks', network];
    for (const alias of attachment.aliases) {
      const problem = dnsNameProblem(alias);
      if (problem) ctx.report('network.hostname', [...at, 'aliases'], `network alias: ${problem}`);
    }
    for (const [key, address] of [
      ['ipv4_address', attachment.ipv4Address],
      ['ipv6_address', attachment.ipv6Address],
    ] as const) {
      if (address !== undefined && !isIpLiteral(address))
        ctx.report(
          'network.hostname',
          [...at, key],
          `${key}: ${JSON.stringify(address)} is not an IP address`,
        );
    }
  }
}

/** Each value of a list field (written as a list, a map, or one scalar), located where written. */
function each(
  ctx: RuleContext,
  s: ServiceEntry,
  key: string,
  rule: RuleId,
  values: readonly string[],
  problemOf: (value: string) => string | undefined,
): void {
  const raw = s.raw[key];
  const keys = Array.isArray(raw) ? undefined : Object.keys(asRecord(raw));
  values.forEach((value, i) => {
    const problem = problemOf(value);
    if (!problem) return;
    const at = Array.isArray(raw) ? i : keys?.[i];
    ctx.report(rule, at === undefined ? [...s.path, key] : [...s.path, key, at], `${key}: ${problem}`);
  });
}
