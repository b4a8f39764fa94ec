/**
 * Pure checks for the names and addresses a container carries about itself: its hostname and
 * domain, network aliases, `extra_hosts` entries, DNS servers and search domains. They only
 * shape the container's own /etc/hosts, /etc/resolv.conf and its name on its own project's
 * networks, so the point is an allow list of well-formed values (no newline written into
 * /etc/hosts, no `LinkLocalIPs`-style extras), not a list of forbidden targets.
 */
import { isIP } from 'node:net';

/** Linux's HOST_NAME_MAX: sethostname(2) and setdomainname(2) refuse longer names. */
export const MAX_HOSTNAME = 64;
/** The longest DNS name. */
export const MAX_DNS_NAME = 253;

/** Letters, digits, `-` and `_` (compose service names use `_`), dot-separated labels of 1–63. */
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** Why `name` is not a DNS name of at most `max` characters, or undefined. */
export function dnsNameProblem(name: string, max = MAX_DNS_NAME): string | undefined {
  if (name.length > max) return `"${name.slice(0, 40)}…" is longer than ${max} characters`;
  if (!DNS_NAME.test(name))
    return `${JSON.stringify(name)} is not a host name (letters, digits, "-", "_" and dots)`;
  return undefined;
}

/** An IPv4 or IPv6 literal (IPv6 optionally in brackets). */
export function isIpLiteral(value: string): boolean {
  return isIP(value.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/**
 * Why an `extra_hosts` entry as the engine gets it (`NAME:ADDRESS`) is refused. The address may
 * be any IP literal or the engine's `host-gateway`: a name only changes what the container's own
 * /etc/hosts says, and the container can open (or not) any address without a name for it, so
 * pointing a name at another project's host or 169.254.169.254 gives it nothing new.
 */
export function extraHostProblem(entry: string): string | undefined {
  const at = entry.indexOf(':');
  if (at <= 0) return `${JSON.stringify(entry)} is not NAME:ADDRESS`;
  const name = entry.slice(0, at);
  const address = entry.slice(at + 1);
  const bad = dnsNameProblem(name);
  if (bad) return bad;
  if (address !== 'host-gateway' && !isIpLiteral(address))
    return `${JSON.stringify(address)} is not an IP address or host-gateway`;
  return undefined;
}
