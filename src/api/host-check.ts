import { listenHost } from './auth.js';

/**
 * The names the API answers to. Why check the Host header at all: reads are open without a token
 * on loopback, and a browser page from any site can make its own name resolve to 127.0.0.1 a
 * moment after loading (DNS rebinding). The browser then treats the daemon as that page's own
 * origin and lets its script read every answer. The one thing such a request cannot fake is the
 * Host header: it still carries the attacker's name. So a request must name the daemon by a name
 * the operator chose (the listen address, a loopback name, api.publicUrl, api.allowedHosts).
 */
export interface HostAllowList {
  /** `name:port` pairs that must match exactly (loopback names and the listen address). */
  exact: Set<string>;
  /** Names accepted on any port (publicUrl's host, allowedHosts entries without a port). */
  anyPort: Set<string>;
}

export interface HostAllowListOptions {
  /** `api.listen` as configured (`127.0.0.1:7070`, `[::1]:0`, `0.0.0.0:7070`). */
  listen: string;
  /** The port the server really listens on (the configured one may be 0). */
  port: number;
  publicUrl?: string;
  allowedHosts?: readonly string[];
}

/** Names a browser can never be made to resolve elsewhere: they are loopback by definition. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** A wildcard listen address names no host; clients must use a real name. */
const WILDCARDS = new Set(['', '0.0.0.0', '[::]']);

export function hostAllowList(options: HostAllowListOptions): HostAllowList {
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  const listen = bracketV6(normaliseName(listenHost(options.listen)));
  for (const name of [...LOOPBACK_NAMES, ...(WILDCARDS.has(listen) ? [] : [listen])]) {
    exact.add(`${name}:${options.port}`);
  }
  // A proxy in front of publicUrl may or may not pass the port on; the name is what a rebinding
  // page cannot fake, so any port is accepted for it.
  const publicHost = options.publicUrl ? urlHostname(options.publicUrl) : undefined;
  if (publicHost) anyPort.add(publicHost);
  for (const entry of options.allowedHosts ?? []) {
    const parsed = parseHost(entry);
    if (!parsed) continue;
    if (parsed.port === undefined) anyPort.add(parsed.name);
    else exact.add(`${parsed.name}:${parsed.port}`);
  }
  return { exact, anyPort };
}

export type HostVerdict = { ok: true } | { ok: false; status: 421; error: string };

/** Whether a request's Host header names this API; 421 Misdirected Request otherwise. */
export function checkHost(hostHeader: string | undefined, allowed: HostAllowList): HostVerdict {
  const parsed = hostHeader === undefined ? undefined : parseHost(hostHeader);
  if (parsed) {
    // A request without a port in Host came to the scheme's default port (plain HTTP here).
    const port = parsed.port ?? 80;
    if (allowed.anyPort.has(parsed.name) || allowed.exact.has(`${parsed.name}:${port}`)) return { ok: true };
  }
  const shown = hostHeader === undefined ? 'no Host header' : `Host '${printable(hostHeader)}'`;
  return {
    ok: false,
    status: 421,
    error:
      `${shown} is not a name of this API: use the listen address, localhost with its port or ` +
      'api.publicUrl, or add the name to api.allowedHosts',
  };
}

/**
 * Whether a request's Origin is the API's own: a browser sends Origin on every cross-origin POST,
 * so a value naming another site is a page there trying to act with the operator's browser.
 * Same origin means the scheme is http(s) and the host:port is the (already checked) Host of the
 * request, or the origin of api.publicUrl (a TLS proxy in front of the daemon).
 */
export function isOwnOrigin(origin: string, hostHeader: string | undefined, publicUrl?: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" of sandboxed frames and file: pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (publicUrl && sameOrigin(url, publicUrl)) return true;
  if (url.protocol !== 'http:' || hostHeader === undefined) return false;
  const request = parseHost(hostHeader);
  const own = parseHost(url.host);
  return (
    request !== undefined &&
    own !== undefined &&
    own.name === request.name &&
    (own.port ?? 80) === (request.port ?? 80)
  );
}

function sameOrigin(url: URL, other: string): boolean {
  try {
    return new URL(other).origin === url.origin;
  } catch {
    return false;
  }
}

interface ParsedHost {
  /** Lower case, no trailing dot; IPv6 in brackets. */
  name: string;
  port?: number;
}

/** `name`, `name:port`, `[v6]`, `[v6]:port`; undefined for anything else (userinfo, paths, junk). */
export function parseHost(value: string): ParsedHost | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: normaliseName(m[1] ?? ''), port };
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function bracketV6(name: string): string {
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

function urlHostname(value: string): string | undefined {
  try {
    const host = new URL(value).hostname;
    return host ? normaliseName(host) : undefined;
  } catch {
    return undefined;
  }
}

/** Header values are the sender's: shown shortened and without control characters. */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}...` : clean;
}
