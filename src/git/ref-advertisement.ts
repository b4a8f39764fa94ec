import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { agentFor } from './http-client.js';
import type { GitRef } from './source.js';

/**
 * The poll: one GET of `info/refs?service=git-upload-pack` (smart HTTP, protocol v0/v1), parsed
 * straight from the buffer. This is the only request of an idle pass, run for every project every
 * interval, so it does not go through isomorphic-git's stream plumbing (which cost about as much
 * CPU as the rest of the pass); fetches still do.
 */
export interface RefAdvertisement {
  refs: GitRef[];
  capabilities: string[];
}

const SERVICE = 'git-upload-pack';
const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 30_000;

export class RefAdvertisementError extends Error {
  /** The HTTP status when the server answered with an error (401/403: credentials). */
  status?: number;
}

/** A hex digit's value, or NaN (a byte read straight from the buffer, no string made). */
function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return Number.NaN;
}

/** The four hex digits of a pkt-line's length at `offset`; NaN when they are not hex. */
function pktLength(body: Buffer, offset: number): number {
  let length = 0;
  for (let i = offset; i < offset + 4; i++) length = length * 16 + hexDigit(body[i] as number);
  return length;
}

/** Parses a smart-HTTP ref advertisement (pkt-lines). Peeled tag lines (`^{}`) are left out. */
export function parseRefAdvertisement(body: Buffer): RefAdvertisement {
  const refs: GitRef[] = [];
  let capabilities: string[] = [];
  let offset = 0;
  let sawService = false;
  while (offset + 4 <= body.length) {
    const length = pktLength(body, offset);
    if (
      !Number.isInteger(length) ||
      (length > 0 && length < 4) ||
      offset + Math.max(length, 4) > body.length
    ) {
      throw new RefAdvertisementError(`malformed pkt-line at byte ${offset}`);
    }
    if (length === 0) {
      offset += 4;
      continue; // flush-pkt: after the service line, and at the end
    }
    let line = body.toString('utf8', offset + 4, offset + length);
    offset += length;
    if (line.endsWith('\n')) line = line.slice(0, -1);
    if (!sawService && line.startsWith('# service=')) {
      sawService = true;
      continue;
    }
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      capabilities = line
        .slice(nul + 1)
        .split(' ')
        .filter(Boolean);
      line = line.slice(0, nul);
    }
    if (line.startsWith('ERR ')) throw new RefAdvertisementError(`server error: ${line.slice(4)}`);
    const space = line.indexOf(' ');
    const oid = line.slice(0, space);
    const ref = line.slice(space + 1);
    if (space !== 40 || !/^[0-9a-f]{40}$/.test(oid)) {
      throw new RefAdvertisementError(`malformed ref line '${line.slice(0, 80)}'`);
    }
    // An empty repository advertises only its capabilities, on a zero id.
    if (ref === 'capabilities^{}' || ref.endsWith('^{}')) continue;
    refs.push({ ref, oid });
  }
  if (offset !== body.length) throw new RefAdvertisementError('truncated pkt-line at the end');
  if (!sawService) throw new RefAdvertisementError('not a smart HTTP advertisement (no service line)');
  return { refs, capabilities };
}

export interface RefAdvertisementOptions {
  timeoutMs?: number;
  /** The project's Authorization header (src/git/repo-auth.ts); wins over credentials in the URL. */
  authorization?: string;
  /** PEM CA bundle trusted besides the public roots. */
  ca?: string;
}

/**
 * GETs and parses the advertisement. Credentials in the URL become Basic auth (as git does);
 * either kind is sent to the repository's own origin only, never after a redirect elsewhere.
 */
export async function fetchRefAdvertisement(
  url: string,
  options: RefAdvertisementOptions = {},
): Promise<RefAdvertisement> {
  let target = new URL(`${url.replace(/\/+$/, '')}/info/refs?service=${SERVICE}`);
  const origin = target.origin;
  const authorization =
    options.authorization ??
    (target.username || target.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`
      : undefined);
  for (let redirects = 0; ; redirects++) {
    const res = await get(target, target.origin === origin ? authorization : undefined, options);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && redirects < MAX_REDIRECTS) {
      res.resume();
      target = new URL(res.headers.location, target);
      continue;
    }
    const body = await readBody(res);
    if (status !== 200) {
      const error = new RefAdvertisementError(`HTTP ${status} ${res.statusMessage ?? ''}`.trim());
      error.status = status;
      throw error;
    }
    const type = res.headers['content-type'] ?? '';
    if (type !== `application/x-${SERVICE}-advertisement`) {
      throw new RefAdvertisementError(`not a git smart HTTP server (content-type '${type}')`);
    }
    return parseRefAdvertisement(body);
  }
}

// A kept-alive socket the server closed while idle is only found out by writing to it: the
// request fails at once with a reset. Such a failure says nothing about the server, and a GET may
// be sent again, so it is retried once on a fresh socket (as Node's docs advise, `reusedSocket`)
// instead of failing the project's poll until the next interval.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function get(
  url: URL,
  authorization: string | undefined,
  options: RefAdvertisementOptions,
): Promise<IncomingMessage> {
  return getOnce(url, authorization, options).catch((err: unknown) => {
    if (!(err instanceof StaleSocketError)) throw err;
    return getOnce(url, authorization, options).catch((again: unknown) => {
      throw again instanceof StaleSocketError ? again.cause : again;
    });
  });
}

/** A reset on a reused keep-alive socket (`cause` is Node's error). */
class StaleSocketError extends Error {}

function getOnce(
  url: URL,
  authorization: string | undefined,
  { timeoutMs = DEFAULT_TIMEOUT_MS, ca }: RefAdvertisementOptions,
): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') {
    return Promise.reject(new RefAdvertisementError(`unsupported protocol ${url.protocol}`));
  }
  const headers: Record<string, string> = { 'User-Agent': 'git/spin', Accept: '*/*' };
  if (authorization) headers.Authorization = authorization;
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        agent: agentFor(url.href, ca),
        timeout: timeoutMs,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new RefAdvertisementError(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && err.code !== undefined && STALE_SOCKET_CODES.has(err.code);
      reject(stale ? new StaleSocketError(err.message, { cause: err }) : err);
    });
    req.end();
  });
}

/** The whole body. Plain listeners, not `for await`: an async iterator per poll is measurable. */
function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    res.once('error', reject);
    // A reply cut short (the socket closed mid-body) never ends: Node 20 says so with `error`;
    // a `close` before the reply was complete covers any other way it stops.
    res.once('close', () => {
      if (!res.complete) reject(new RefAdvertisementError('the connection closed before the reply ended'));
    });
  });
}
