import type { IncomingHttpHeaders } from 'node:http';
import { isOwnOrigin } from './host-check.js';

/**
 * What a write request must look like besides its token, so that a page an operator happens to
 * visit cannot make the operator's browser change anything (cross-site request forgery):
 *
 * - no `Origin` of another site, and no `Sec-Fetch-Site: cross-site|same-site` (browsers send
 *   these on every cross-origin POST; curl, the CLI and forges send neither). `same-site` is
 *   refused too: a container a researcher publishes on localhost:8080 is "same site" as a daemon
 *   on localhost:7070;
 * - `Content-Type: application/json`: an HTML form cannot send it, and script can only with a
 *   CORS preflight this API never answers.
 *
 * Together with the bearer-only token (never Basic, which a browser replays on its own) a write
 * can only come from a client that holds the token and chose to send it.
 */
export type GuardVerdict = { ok: true } | { ok: false; status: 403 | 415; error: string };

export interface WriteGuardOptions {
  /** api.publicUrl: its origin is the API's own when a TLS proxy fronts the daemon. */
  publicUrl?: string;
}

export function checkCrossSite(headers: IncomingHttpHeaders, options: WriteGuardOptions = {}): GuardVerdict {
  const site = single(headers['sec-fetch-site'])?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return refuse(
      403,
      `cross-site request refused (Sec-Fetch-Site: ${site}): write endpoints take requests from ` +
        'the API itself and non-browser clients (spin, curl) only',
    );
  }
  const origin = single(headers.origin);
  if (origin !== undefined && !isOwnOrigin(origin.trim(), single(headers.host), options.publicUrl)) {
    return refuse(
      403,
      'cross-site request refused: the Origin header is not this API; write endpoints take ' +
        'requests from the API itself and non-browser clients (spin, curl) only',
    );
  }
  return { ok: true };
}

/** `application/json`, with parameters (charset) allowed; anything else is 415. */
export function checkJsonContentType(headers: IncomingHttpHeaders): GuardVerdict {
  const type = single(headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return { ok: true };
  return refuse(
    415,
    `write endpoints take a JSON body: send Content-Type: application/json and a body (at least {})` +
      (type ? `, not ${type.slice(0, 60)}` : ''),
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function refuse(status: 403 | 415, error: string): GuardVerdict {
  return { ok: false, status, error };
}
