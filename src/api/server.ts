import http from 'node:http';
import type { Daemon } from '../daemon/daemon.js';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';

/**
 * The daemon's HTTP API (JSON). Routes are a small table so later endpoints (history, webhooks,
 * dashboard) slot in without a framework.
 */
export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, params: string[]) => Promise<[number, unknown]>;

export async function startApiServer(daemon: Daemon, listen: string, log: Logger): Promise<ApiServer> {
  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/healthz$/, async () => [200, { status: 'ok' }]],
    ['GET', /^\/api\/v1\/projects$/, async () => [200, { projects: daemon.allStatuses() }]],
    [
      'GET',
      /^\/api\/v1\/projects\/([a-z0-9-]+)$/,
      async (_req, [name]) => {
        const status = daemon.status(name as string);
        return status ? [200, status] : [404, { error: `unknown project '${name}'` }];
      },
    ],
    [
      'POST',
      /^\/api\/v1\/projects\/([a-z0-9-]+)\/sync$/,
      async (_req, [name]) => {
        if (!daemon.status(name as string)) return [404, { error: `unknown project '${name}'` }];
        const outcome = await daemon.syncNow(name as string);
        return [200, { status: outcome.status, actions: outcome.actions.length }];
      },
    ],
  ];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (!route) {
      const known = routes.some(([, pattern]) => pattern.test(url.pathname));
      send(known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
      return;
    }
    const params = (route[1].exec(url.pathname) ?? []).slice(1);
    route[2](req, params).then(
      ([code, body]) => send(code, body),
      (err) => {
        log.error({ err: errorMessage(err), path: url.pathname }, 'api error');
        send(500, { error: errorMessage(err) });
      },
    );
  });
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  log.info({ url }, 'api listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}
