import { roleOnAll, sees, type Principal } from '../access/grants.js';
import type { Need } from '../access/decide.js';
import type { Role } from '../access/roles.js';

/**
 * What a route needs, in one line of its declaration; src/api/server.ts checks it before the
 * handler runs, so no handler checks access itself:
 *
 *   access: onProject('operate'),   // the project is the route's first capture group
 *   access: anyProject('read'),     // a listing: the handler shows only what caller.sees()
 *   access: allProjects('admin'),   // spans projects: metrics, token administration
 *
 * Any method but GET is a write besides: no cross-site origin, a bearer token, a JSON body.
 */
export type RouteNeed = { role: Role; scope: 'project' | 'any' | 'all' };

/** `probe` nothing (no Host check either); `webhook` the Host, then the endpoint's own signature. */
export type RouteAccess = 'probe' | 'webhook' | RouteNeed;

export const onProject = (role: Role): RouteNeed => ({ role, scope: 'project' });
export const anyProject = (role: Role): RouteNeed => ({ role, scope: 'any' });
export const allProjects = (role: Role): RouteNeed => ({ role, scope: 'all' });

/** The need of one request: the route's, with the project from the path. */
export function needOf(access: RouteNeed, params: readonly string[]): Need {
  if (access.scope !== 'project') return { role: access.role, scope: access.scope };
  const project = params[0];
  // A route declared onProject without a capture group is a programming error: refuse all.
  if (project === undefined) throw new Error('onProject route without a project in its pattern');
  return { role: access.role, scope: 'project', project };
}

/** Who is calling, as a handler sees it. */
export interface Caller {
  principal: Principal;
  /** Whether the caller may see this project at all: listings show only these. */
  sees(project: string): boolean;
  /** Whether it sees every project (a grant on `*`). */
  seesAll: boolean;
}

export function callerOf(principal: Principal): Caller {
  return {
    principal,
    sees: (project) => sees(principal, project),
    seesAll: roleOnAll(principal) !== undefined,
  };
}
