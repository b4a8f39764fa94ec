import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';

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

export type AuthResult =
  | { ok: true }
  | {
      ok: false;
      status: 401 | 403;
      error: string;
      /** Response headers to send with the refusal (WWW-Authenticate on 401, per RFC 6750). */
      headers: Record<string, string>;
    };

export const WRITE_DISABLED = 'write API disabled: configure api.writeToken';

export interface CheckAuthOptions {
  /**
   * The challenge on 401. 'Basic' makes a browser ask for the token (any user name, the token as
   * password), which is how an operator opens the dashboard when a read token is set.
   */
  challenge?: 'Bearer' | 'Basic';
}

export function checkAuth(
  headers: IncomingHttpHeaders,
  kind: AccessKind,
  tokens: ApiTokens,
  options: CheckAuthOptions = {},
): AuthResult {
  const read = configured(tokens.read);
  const write = configured(tokens.write);
  if (kind === 'write' && write === undefined) return refuse(403, WRITE_DISABLED, {});
  // Reads are open unless a read token is set: the daemon listens on loopback by default.
  if (kind === 'read' && read === undefined) return { ok: true };

  const scheme = kind === 'write' ? 'Bearer' : (options.challenge ?? 'Bearer');
  const credentials = presentedCredentials(headers.authorization);
  // A browser that once got Basic credentials for this origin sends them again by itself, on
  // any request a page makes, cross-site ones included: a write must carry the bearer header,
  // which only a client that chose to send the token sets.
  if (kind === 'write' && credentials?.scheme === 'basic') {
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
  const isWrite = write !== undefined && matchesAny(presented, write);
  const isRead = read !== undefined && matchesAny(presented, read);
  if (isWrite || (kind === 'read' && isRead)) return { ok: true };
  if (isRead) {
    return refuse(403, 'this token is read-only; this endpoint needs the write token', {
      'www-authenticate': `Bearer realm="spin", error="insufficient_scope"`,
    });
  }
  return refuse(401, 'invalid token', {
    'www-authenticate': `${scheme} realm="spin"${scheme === 'Bearer' ? ', error="invalid_token"' : ''}`,
  });
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

function refuse(status: 401 | 403, error: string, headers: Record<string, string>): AuthResult {
  return { ok: false, status, error, headers };
}
