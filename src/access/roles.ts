/**
 * The three roles a token may hold, lowest first. Each includes the ones before it:
 * - `read`: a project's status, history, plan, containers (and logs, events, diff as they come);
 * - `operate`: besides, act on it: sync, suspend, resume, rollback, promote, and its secrets;
 * - `admin`: every project, and what belongs to no project (metrics, daemon-wide settings).
 */
export const ROLES = ['read', 'operate', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `have` includes everything `need` allows. */
export function roleIncludes(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The higher of two roles (either may be missing). */
export function higherRole(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return roleIncludes(a, b) ? a : b;
}
