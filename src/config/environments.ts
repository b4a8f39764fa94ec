import type { ProjectConfig } from './types.js';

/**
 * Environments (docs/environments.md): a project entry with `environments:` is expanded at load
 * into one internal project per environment, so every other part (passes, history, statuses,
 * drivers, metrics) keeps working on plain projects. Pure.
 */

/** One `environments.<name>` entry as the config file says it. */
export interface RawEnvironment {
  branch?: string;
  engine?: string;
  env?: Record<string, string | number | boolean>;
  policy?: string;
  trust?: { keys?: string[]; keyFiles?: string[] };
  suspended?: boolean;
}

/**
 * The internal name of environment `env` of `project`: what engine objects, history rows and
 * API paths carry. `--` because engine names allow no `/` and Swarm no `.` either; a plain
 * project of the same name is refused at load (config.duplicate-project).
 */
export function environmentUnitName(project: string, env: string): string {
  return `${project}--${env}`;
}

/** What people read: `<project>/<env>` for an environment, else the project's name. */
export function displayName(project: Pick<ProjectConfig, 'name' | 'environment'>): string {
  return project.environment ? `${project.environment.project}/${project.environment.name}` : project.name;
}

/** How one environment's fields were resolved (the loader's own checks), or why not. */
export interface EnvironmentResolvers {
  /** `undefined`: the project's own engine. */
  engine(name: string | undefined): { engine: string } | { error: string };
  policy(
    name: string | undefined,
  ): { ok: true; policy: ProjectConfig['policy'] } | { ok: false; error: string };
  trust(raw: NonNullable<RawEnvironment['trust']>): NonNullable<ProjectConfig['trust']>;
}

export type EnvironmentExpansion =
  { ok: true; units: ProjectConfig[] } | { ok: false; env: string; key: 'engine' | 'policy'; error: string };

/**
 * The project's units: itself when it declares no environments, else one per environment, each
 * overlaying the project's settings (env values merged, the environment's winning).
 */
export function expandEnvironments(
  base: ProjectConfig,
  environments: Record<string, RawEnvironment> | undefined,
  resolve: EnvironmentResolvers,
): EnvironmentExpansion {
  if (!environments) return { ok: true, units: [base] };
  const units: ProjectConfig[] = [];
  for (const [env, raw] of Object.entries(environments)) {
    const engine = resolve.engine(raw.engine);
    if ('error' in engine) return { ok: false, env, key: 'engine', error: engine.error };
    const policy = raw.policy === undefined ? undefined : resolve.policy(raw.policy);
    if (policy && !policy.ok) return { ok: false, env, key: 'policy', error: policy.error };
    const values = Object.fromEntries(Object.entries(raw.env ?? {}).map(([k, v]) => [k, String(v)]));
    const trust = raw.trust ? resolve.trust(raw.trust) : base.trust;
    units.push({
      ...base,
      name: environmentUnitName(base.name, env),
      environment: { project: base.name, name: env },
      engine: engine.engine,
      branch: raw.branch ?? base.branch,
      env: { ...base.env, ...values },
      ...(policy ? { policyName: raw.policy as string, policy: policy.policy } : {}),
      suspended: raw.suspended ?? base.suspended,
      ...(trust ? { trust } : {}),
    });
  }
  return { ok: true, units };
}
