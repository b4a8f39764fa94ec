import http from 'node:http';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/errors.js';
import { checkAuth, type ApiTokens } from './auth.js';
import { errorReply, parseListen, send } from './http.js';
import { buildRoutes, type ApiDeps } from './routes.js';

export { parseListen } from './http.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the route table: auth first (per route), then the handler; errors become JSON bodies. */
export async function startApiServer(
  deps: ApiDeps,
  options: { listen: string; tokens: ApiTokens; log: Logger },
): Promise<ApiServer> {
  const { log, tokens } = options;
  const routes = buildRoutes(deps);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      send(
        res,
        matching.length
          ? errorReply(405, 'method not allowed', { allow: matching.map((r) => r.method).join(', ') })
          : errorReply(404, 'not found'),
      );
      return;
    }
    if (route.access !== 'open') {
      const auth = checkAuth(req.headers, route.access, tokens, {
        challenge: route.browser ? 'Basic' : 'Bearer',
      });
      if (!auth.ok) {
        send(res, errorReply(auth.status, auth.error, auth.headers));
        return;
      }
    }
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
    route.handle(req, params, url).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        log.error({ err: errorMessage(err), path: url.pathname }, 'api error');
        send(res, errorReply(500, errorMessage(err)));
      },
    );
  });
  const { host, port } = parseListen(options.listen);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
