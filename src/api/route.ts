import type http from 'node:http';
import type { Reply } from './http.js';
import type { Caller, RouteAccess } from './route-access.js';

/** One entry of the API's route table (src/api/routes.ts), served by src/api/server.ts. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: RegExp;
  /**
   * Who may call it, in one line (src/api/route-access.ts): `onProject(role)`, `anyProject(role)`,
   * `allProjects(role)`, or `probe`/`webhook`. The server checks it before the handler runs: the
   * Host (all but probes), for any method but GET no cross-site origin and a bearer token, the
   * token's role, then for writes a JSON object body.
   */
  access: RouteAccess;
  /** Pages for browsers ask for Basic auth so an operator can type the token; refusals are pages. */
  browser?: boolean;
  /** Largest JSON body a write takes (default 64 KiB). */
  bodyLimit?: number;
  /**
   * `body`: the parsed JSON object of a write request, {} for the others; `caller`: who asked
   * (listings show only the projects `caller.sees`).
   */
  handle(
    req: http.IncomingMessage,
    params: string[],
    url: URL,
    body: Record<string, unknown>,
    caller: Caller,
  ): Promise<Reply>;
}
