import http from 'node:http';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import { decide } from '../access/decide.js';
import { withEnvironments } from '../access/grants.js';
import { renderForbidden, DASHBOARD_HEADERS } from '../dashboard/index.js';
import {
  authenticate,
  INSUFFICIENT_SCOPE,
  isLoopback,
  listenHost,
  type ApiTokens,
  type ScopedTokens,
} from './auth.js';
import { checkHost, hostAllowList, type HostAllowList } from './host-check.js';
import { dropUnreadBody, errorReply, parseListen, readBody, send, type Reply } from './http.js';
import { callerOf, needOf, type Caller } from './route-access.js';
import { buildRoutes, type ApiDeps, type Route } from './routes.js';
import type { WebhookLimits } from './webhook-endpoint.js';
import { checkCrossSite, checkJsonContentType } from './write-guard.js';

export { parseListen } from './http.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  listen: string;
  /** A function when tokens come from files that may be rotated: asked on every request. */
  tokens: ApiTokens | (() => ApiTokens);
  /** Per-project tokens (the token store and api.tokens files); src/api/scoped-tokens.ts. */
  scoped?: ScopedTokens;
  log: Logger;
  /** api.publicUrl: its host is a name of the API, its origin may POST. */
  publicUrl?: string;
  /** api.allowedHosts: more names of the API (a proxy's). */
  allowedHosts?: readonly string[];
  webhookLimits?: WebhookLimits;
  /** api.tokenOverlap, applied to webhook secret files too. */
  secretOverlapMs?: number;
  /** Environments' internal names -> their project: a grant on a project covers them. */
  environmentOwners?: () => ReadonlyMap<string, string>;
}

/** Write bodies are a commit at most (routes that take more say so); 64 KiB is far more. */
const WRITE_BODY_LIMIT = 64 * 1024;
/** How long the rest of a refused request's body is read and discarded before the connection goes. */
const LINGER_MS = 5_000;

/**
 * Serves the route table. Before a handler runs, in this one place (the API's interceptor): the
 * Host check (all but the probes), then the checks of Route.access (who the token is, what its
 * role allows on the route's project); refusals are JSON `{error}` bodies (pages for browser
 * routes), logged at warn for writes and for refused roles.
 */
export async function startApiServer(deps: ApiDeps, options: ApiServerOptions): Promise<ApiServer> {
  const { log } = options;
  const routes = buildRoutes(deps, {
    log,
    webhookLimits: options.webhookLimits,
    secretOverlapMs: options.secretOverlapMs,
  });
  const admitOptions: ApiServerOptions = {
    ...options,
    environmentOwners: options.environmentOwners ?? (() => deps.daemon.environmentOwners()),
  };
  // Set once the real port is known (the configured one may be 0); no request comes before.
  let names: HostAllowList = { exact: new Set(), anyPort: new Set() };

  const server = http.createServer((req, res) => {
    res.once('finish', () => dropUnreadBody(req, LINGER_MS));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    const route = matching.find((r) => r.method === req.method);
    if (route?.access !== 'probe') {
      const host = checkHost(req.headers.host, names);
      if (!host.ok) {
        // Logged: a browser page trying another name for the daemon is worth an operator's look.
        log.warn({ method: req.method, path: url.pathname, status: host.status }, host.error);
        send(res, errorReply(host.status, host.error));
        return;
      }
    }
    if (!route) {
      send(
        res,
        matching.length
          ? errorReply(405, 'method not allowed', { allow: matching.map((r) => r.method).join(', ') })
          : errorReply(404, 'not found'),
      );
      return;
    }
    const respond = async () => {
      const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
      const admitted = await admit(route, params, req, admitOptions);
      if ('reply' in admitted) {
        if (admitted.reply.status === 403 && (req.method !== 'GET' || admitted.who)) {
          const error = (admitted.reply.body as { error?: string }).error;
          const who = admitted.who;
          log.warn(
            { method: req.method, path: url.pathname, status: 403, error, who },
            'api request refused',
          );
        }
        send(res, admitted.reply);
        return;
      }
      await send(res, await route.handle(req, params, url, admitted.body, admitted.caller));
    };
    respond().catch((err: unknown) => {
      log.error({ err, path: url.pathname }, 'api error');
      if (!res.headersSent) send(res, errorReply(500, errorMessage(err)));
    });
  });
  const { host, port } = parseListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  names = hostAllowList({
    listen: options.listen,
    port: actualPort,
    publicUrl: options.publicUrl,
    allowedHosts: options.allowedHosts,
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  log.info({ url }, 'api listening');
  if (!isLoopback(listenHost(options.listen)) && !options.publicUrl && !options.allowedHosts?.length) {
    log.warn(
      `api.listen ${options.listen} is reachable from other machines, but only loopback names and ` +
        'the listen address pass the Host check: set api.publicUrl or api.allowedHosts to the name clients use',
    );
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The checks of Route.access, in the order that tells a caller the real reason: a cross-site
 * page is told so before its token is even looked at; an unknown token is 401 before any role is
 * weighed; a right token with a form body learns the body is wrong. Resolves with who called and
 * the parsed body of a write.
 */
async function admit(
  route: Route,
  params: string[],
  req: http.IncomingMessage,
  options: ApiServerOptions,
): Promise<{ body: Record<string, unknown>; caller: Caller } | { reply: Reply; who?: string }> {
  if (route.access === 'probe' || route.access === 'webhook') return { body: {}, caller: NOBODY };
  const write = req.method !== 'GET';
  if (write) {
    const site = checkCrossSite(req.headers, { publicUrl: options.publicUrl });
    if (!site.ok) return { reply: errorReply(site.status, site.error) };
  }
  const tokens = typeof options.tokens === 'function' ? options.tokens() : options.tokens;
  const who = authenticate(req.headers, write, tokens, {
    challenge: route.browser ? 'Basic' : 'Bearer',
    scoped: options.scoped,
  });
  if (!who.ok) return { reply: errorReply(who.status, who.error, who.headers) };
  const principal = withEnvironments(who.principal, options.environmentOwners?.() ?? new Map());
  const need = needOf(route.access, params);
  const verdict = decide(principal, need);
  if (!verdict.ok) {
    const reply =
      route.browser && need.scope === 'project'
        ? {
            status: 403,
            body: renderForbidden(need.project, verdict.error),
            raw: true,
            headers: { ...DASHBOARD_HEADERS },
          }
        : errorReply(403, verdict.error, { ...INSUFFICIENT_SCOPE });
    return { reply, who: who.principal.label };
  }
  const caller = callerOf(principal);
  if (!write) return { body: {}, caller };

  const type = checkJsonContentType(req.headers);
  if (!type.ok) return { reply: errorReply(type.status, type.error) };
  const body = await readJsonObject(req, route.bodyLimit ?? WRITE_BODY_LIMIT);
  return 'reply' in body ? body : { ...body, caller };
}

/** Probes and webhooks run for no one in particular: they see nothing through the caller. */
const NOBODY: Caller = callerOf({ label: 'unauthenticated', grants: [] });

/** A write's body: a JSON object of at most `limit` bytes, or the refusal that says why not. */
async function readJsonObject(
  req: http.IncomingMessage,
  limit: number,
): Promise<{ body: Record<string, unknown> } | { reply: Reply }> {
  const raw = await readBody(req, limit);
  if (!raw) return { reply: errorReply(413, `body over ${limit} bytes, or not sent within 30 s`) };
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    const error = raw.length ? 'body is not JSON' : 'write endpoints take a JSON object body, at least {}';
    return { reply: errorReply(400, error) };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { reply: errorReply(400, 'the body must be a JSON object, at least {}') };
  }
  return { body: body as Record<string, unknown> };
}
