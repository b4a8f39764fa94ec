import type { ResolvedPolicy } from '../policy/index.js';

export type RepoLocation = { kind: 'http'; url: string } | { kind: 'local'; path: string };

export interface ProjectConfig {
  name: string;
  repo: RepoLocation;
  branch: string;
  /** Folder of the stack file inside the repository, POSIX, '' for the root. */
  path: string;
  /** The only variables interpolation may read. */
  env: Record<string, string>;
  policyName: string;
  policy: ResolvedPolicy;
  pollIntervalMs: number;
  webhookSecret?: string;
  webhookSecretFile?: string;
  suspended: boolean;
}

export interface SpinConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Absolute. */
  stateDir: string;
  pollIntervalMs: number;
  concurrency: number;
  passTimeoutMs: number;
  /** Cron expression for the full resync that backs up the engine's event stream. */
  resyncSchedule: string;
  api: { listen: string; publicUrl?: string };
  docker: { host?: string };
  projects: ProjectConfig[];
  policies: Record<string, unknown>;
}
