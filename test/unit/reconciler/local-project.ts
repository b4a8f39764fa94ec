import path from 'node:path';
import type { ProjectConfig } from '../../../src/config/types.js';
import { BUILTIN_DEFAULT_POLICY } from '../../../src/policy/index.js';

/** A project on a local folder with the built-in policy, for passes run without the daemon. */
export function localProject(name: string, dir: string): ProjectConfig {
  return {
    name,
    repo: { kind: 'local', path: dir },
    branch: 'main',
    path: '',
    env: {},
    policyName: BUILTIN_DEFAULT_POLICY.name,
    policy: BUILTIN_DEFAULT_POLICY,
    pollIntervalMs: 60_000,
    suspended: false,
    previews: { branches: false, refs: [] },
    secrets: {
      stateDir: dir,
      keyEnv: 'SPIN_SECRET_KEY',
      keyEnvExplicit: false,
      runtimeDir: path.join(dir, 'run'),
    },
  } as unknown as ProjectConfig;
}
