import { highestRole, roleOn, roleOnAll, type Principal } from './grants.js';
import { roleIncludes, type Role } from './roles.js';

/**
 * What an API route needs, declared once per route (src/api/route-access.ts):
 * - `project`: a role on the one project the route is about;
 * - `any`: a role on at least one project: a listing, which then shows only what the caller sees;
 * - `all`: a role on every project (`*`): what spans projects (metrics, token administration).
 */
export type Need =
  | { role: Role; scope: 'project'; project: string }
  | { role: Role; scope: 'any' }
  | { role: Role; scope: 'all' };

export type Decision = { ok: true } | { ok: false; error: string };

/**
 * Pure: may this principal do what the route needs? A refusal names the missing role and what the
 * token holds, never whether a project exists: a project the token does not cover gets the same
 * answer whether or not it is configured (the caller asked for the name, so naming it tells
 * nothing new).
 */
export function decide(principal: Principal, need: Need): Decision {
  const readOnly = highestRole(principal) === 'read' && need.role !== 'read';
  // "read-only" first: what a client holding the daemon-wide read token has always been told.
  const prefix = readOnly ? 'this token is read-only; ' : '';
  if (need.scope === 'project') {
    const have = roleOn(principal, need.project);
    if (have !== undefined && roleIncludes(have, need.role)) return { ok: true };
    return refuse(
      `${prefix}this needs role ${need.role} on project '${need.project}'; the token has ${
        have === undefined ? 'no role there' : `role ${have} there`
      }`,
    );
  }
  if (need.scope === 'all') {
    const have = roleOnAll(principal);
    if (have !== undefined && roleIncludes(have, need.role)) return { ok: true };
    return refuse(
      `${prefix}this needs role ${need.role} on every project (*); the token has ${
        have === undefined ? 'a role on some projects only' : `role ${have} on them`
      }`,
    );
  }
  const best = highestRole(principal);
  if (best !== undefined && roleIncludes(best, need.role)) return { ok: true };
  return refuse(`${prefix}this needs role ${need.role} on at least one project`);
}

function refuse(error: string): Decision {
  return { ok: false, error };
}
