import { higherRole, type Role } from './roles.js';

/** In a grant's project list: every project, present and future. */
export const ALL_PROJECTS = '*';

/** Project names as the config allows them. */
export const PROJECT_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A role on a list of projects (or on `*`). */
export interface Grant {
  projects: readonly string[];
  role: Role;
}

/**
 * Who is calling, once a credential has been recognised: a label for logs (a token's id or
 * which configured token it was, never the token) and what it may do.
 */
export interface Principal {
  label: string;
  grants: readonly Grant[];
}

const covers = (grant: Grant, project: string): boolean =>
  grant.projects.includes(ALL_PROJECTS) || grant.projects.includes(project);

/** The highest role the principal holds on `project`, or undefined when it may not see it at all. */
export function roleOn(principal: Principal, project: string): Role | undefined {
  let best: Role | undefined;
  for (const grant of principal.grants) if (covers(grant, project)) best = higherRole(best, grant.role);
  return best;
}

/** The highest role the principal holds on every project (`*` grants only). */
export function roleOnAll(principal: Principal): Role | undefined {
  let best: Role | undefined;
  for (const grant of principal.grants)
    if (grant.projects.includes(ALL_PROJECTS)) best = higherRole(best, grant.role);
  return best;
}

/** The highest role the principal holds anywhere. */
export function highestRole(principal: Principal): Role | undefined {
  let best: Role | undefined;
  for (const grant of principal.grants) best = higherRole(best, grant.role);
  return best;
}

/**
 * Pure: the principal with each grant on a project extended to that project's environments
 * (`owners`: an environment's internal name -> its project; src/config/environments.ts), so a
 * token scoped to `gateway` reaches `gateway/dev` and `gateway/prod` and nothing else.
 */
export function withEnvironments(principal: Principal, owners: ReadonlyMap<string, string>): Principal {
  if (owners.size === 0) return principal;
  const grants = principal.grants.map((grant) => {
    if (grant.projects.includes(ALL_PROJECTS)) return grant;
    const units = [...owners].filter(([, owner]) => grant.projects.includes(owner)).map(([unit]) => unit);
    return units.length === 0 ? grant : { ...grant, projects: [...grant.projects, ...units] };
  });
  return { ...principal, grants };
}

export function sees(principal: Principal, project: string): boolean {
  return roleOn(principal, project) !== undefined;
}

/** Why a grant list is not acceptable (admin is daemon-wide, so only on `*`), or undefined. */
export function grantProblem(grant: Grant): string | undefined {
  if (grant.projects.length === 0) return 'a token needs at least one project (or * for all)';
  const bad = grant.projects.find((p) => p !== ALL_PROJECTS && !PROJECT_NAME.test(p));
  if (bad !== undefined) return `'${bad}' is not a project name ([a-z0-9][a-z0-9-]*) or *`;
  if (grant.role === 'admin' && !grant.projects.includes(ALL_PROJECTS))
    return "role admin covers the whole daemon: give it project '*' (or use operate for some projects)";
  return undefined;
}
