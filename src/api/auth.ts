import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { decide } from '../access/decide.js';
import { ALL_PROJECTS, type Principal } from '../access/grants.js';
import type { TokenMatch } from '../access/token-registry.js';

/**
 * Bearer-token access control for the HTTP API. Reads and writes have separate tokens so a
 * dashboard or monitoring system can be given read access without the power to deploy.
 */
export interface ApiTokens {
  /** Several when a token file was rotated and the previous token is within its overlap window. */
  read?: string | readonly string[];
  write?: string | readonly string[];
}

export type AccessKind = 'read' | 'write';

/** Per-project tokens (the token store and the config's token files), src/api/scoped-tokens.ts. */
export interface ScopedTokens {
  /** Whether any is issued: then reads stop being open to callers without a token. */
  any(): boolean;
  find(presented: string): TokenMatch | undefined;
}

type Refusal = {
  ok: false;
  status: 401 | 403;
  error: string;
  /** Response headers to send with the refusal (WWW-Authenticate on 401, per RFC 6750). */
  headers: Record<string, string>;
};

export type AuthResult = { ok: true } | Refusal;

/** Who the request comes from, or why it is refused before any route looks at it. */
export type Authenticated = { ok: true; principal: Principal } | Refusal;

export const WRITE_DISABLED = 'write API disabled: configure api.writeToken';

export interface CheckAuthOptions {
  /**
   * The challenge on 401. 'Basic' makes a browser ask for the token (any user name, the token as
   * password), which is how an operator opens the dashboard when a read token is set.
   */
  challenge?: 'Bearer' | 'Basic';
  scoped?: ScopedTokens;
}

/** The daemon-wide tokens of the config, as principals: they predate roles and keep their power. */
export const WRITE_TOKEN: Principal = {
  label: 'write token',
  grants: [{ projects: [ALL_PROJECTS], role: 'admin' }],
};
export const READ_TOKEN: Principal = {
  label: 'read token',
  grants: [{ projects: [ALL_PROJECTS], role: 'read' }],
};
/** A caller without a token while reads are open (no read token, no per-project token issued). */
export const ANONYMOUS: Principal = {
  label: 'anonymous',
  grants: [{ projects: [ALL_PROJECTS], role: 'read' }],
};

export const INSUFFICIENT_SCOPE = { 'www-authenticate': 'Bearer realm="spin", error="insufficient_scope"' };

/**
 * Step one of every API request's access check (src/api/server.ts): which principal the
 * credentials stand for. `write` is any method but GET: those take only a bearer header. What
 * the principal may do is decided next, per route, by src/access/decide.ts.
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  write: boolean,
  tokens: ApiTokens,
  options: CheckAuthOptions = {},
): Authenticated {
  const read = configured(tokens.read);
  const writeTokens = configured(tokens.write);
  const scoped = options.scoped?.any() ? options.scoped : undefined;
  if (write && writeTokens === undefined && scoped === undefined) return refuse(403, WRITE_DISABLED, {});
  // Reads are open unless a token limits them: the daemon listens on loopback by default. Once
  // per-project tokens exist, an open read would show every project to anyone, so they close.
  if (!write && read === undefined && scoped === undefined) return { ok: true, principal: ANONYMOUS };

  const scheme = write ? 'Bearer' : (options.challenge ?? 'Bearer');
  const credentials = presentedCredentials(headers.authorization);
  // A browser that once got Basic credentials for this origin sends them again by itself, on
  // any request a page makes, cross-site ones included: a write must carry the bearer header,
  // which only a client that chose to send the token sets.
  if (write && credentials?.scheme === 'basic') {
    return refuse(
      401,
      'write endpoints take only Authorization: Bearer <token>; HTTP Basic is refused for writes',
      { 'www-authenticate': 'Bearer realm="spin"' },
    );
  }
  const presented = credentials?.token;
  if (presented === undefined) {
    return refuse(401, 'missing bearer token (send Authorization: Bearer <token>)', {
      'www-authenticate': `${scheme} realm="spin"`,
    });
  }
  // Every comparison always runs so the time taken does not tell which token was close.
  const isWrite = writeTokens !== undefined && matchesAny(presented, writeTokens);
  const isRead = read !== undefined && matchesAny(presented, read);
  const match = scoped?.find(presented);
  if (isWrite) return { ok: true, principal: WRITE_TOKEN };
  if (isRead) return { ok: true, principal: READ_TOKEN };
  if (match && 'principal' in match) return { ok: true, principal: match.principal };
  const invalid = `${scheme} realm="spin"${scheme === 'Bearer' ? ', error="invalid_token"' : ''}`;
  if (match) {
    return refuse(401, `this token expired at ${match.expired}; ask an operator for a new one`, {
      'www-authenticate': invalid,
    });
  }
  return refuse(401, 'invalid token', { 'www-authenticate': invalid });
}

/**
 * The daemon-wide check the API made before roles existed, kept for callers that know only
 * read and write: a read needs role read somewhere, a write role operate somewhere.
 */
export function checkAuth(
  headers: IncomingHttpHeaders,
  kind: AccessKind,
  tokens: ApiTokens,
  options: CheckAuthOptions = {},
): AuthResult {
  const who = authenticate(headers, kind === 'write', tokens, options);
  if (!who.ok) return who;
  const verdict = decide(who.principal, { role: kind === 'write' ? 'operate' : 'read', scope: 'any' });
  return verdict.ok ? { ok: true } : refuse(403, verdict.error, { ...INSUFFICIENT_SCOPE });
}

/**
 * Refuses to expose the API beyond this machine with no token at all. Returns warnings for the
 * allowed-but-risky case of a non-loopback address whose reads are open (write token only).
 */
export function assertSafeListen(listen: string, tokens: ApiTokens): string[] {
  const host = listenHost(listen);
  if (isLoopback(host)) return [];
  const read = configured(tokens.read);
  const write = configured(tokens.write);
  if (read === undefined && write === undefined) {
    throw new Error(
      `api.listen ${listen} is reachable from other machines but no API token is configured: ` +
        'set api.readToken and api.writeToken, or listen on 127.0.0.1',
    );
  }
  return read === undefined
    ? [
        `api.listen ${listen} is not loopback and api.readToken is not set: project status is readable by anyone`,
      ]
    : [];
}

/** The host part of `host:port`, `[v6]:port`, a bare v6 address with port, or `:port` (all interfaces). */
export function listenHost(listen: string): string {
  const trimmed = listen.trim();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(trimmed);
  if (bracketed) return bracketed[1] ?? '';
  if (/^\d+$/.test(trimmed)) return '';
  const at = trimmed.lastIndexOf(':');
  return at < 0 ? trimmed : trimmed.slice(0, at);
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return (mapped[1] ?? '').startsWith('127.');
    return loopbackV6.check(h, 'ipv6');
  }
  // '' (all interfaces), 0.0.0.0, :: and any other name: reachable from elsewhere.
  return false;
}

// BlockList normalises v6 spellings (0:0:0:0:0:0:0:1, ::0001) that string compares would miss.
const loopbackV6 = new net.BlockList();
loopbackV6.addAddress('::1', 'ipv6');

function configured(token: string | readonly string[] | undefined): string[] | undefined {
  // An empty token in the config is a mistake, not a password everyone knows.
  const list = (typeof token === 'string' ? [token] : (token ?? [])).filter((t) => t.trim() !== '');
  return list.length > 0 ? list : undefined;
}

function matchesAny(presented: string, expected: readonly string[]): boolean {
  let found = false;
  for (const token of expected) found = sameSecret(presented, token) || found;
  return found;
}

/** The token from `Bearer <token>`, or the password from `Basic base64(user:token)`. */
function presentedCredentials(
  header: string | string[] | undefined,
): { scheme: 'bearer' | 'basic'; token?: string } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(value);
  if (!m) return undefined;
  const [, scheme = '', credentials = ''] = m;
  if (scheme.toLowerCase() === 'bearer') return { scheme: 'bearer', token: credentials };
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const token = colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
    return { scheme: 'basic', token };
  }
  return undefined;
}

/** Constant time whatever the lengths: both sides are hashed to the same size first. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function refuse(status: 401 | 403, error: string, headers: Record<string, string>): Refusal {
  return { ok: false, status, error, headers };
}
