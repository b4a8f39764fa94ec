/**
 * A project's `status:` block (where commit statuses go), as the daemon config holds it. Here
 * rather than in src/forge/ because the config, below the forges, carries it; the forges read it
 * (createProvider in src/forge/factory.ts).
 */
export type StatusProviderName = 'gitnotes' | 'github' | 'gitea' | 'gitlab';

/** A project's `status:` block. Absent means `{ provider: gitnotes }`. */
export interface StatusConfig {
  provider: StatusProviderName;
  /** Forge API root; derived from the repository URL when absent (see docs/statuses.md). */
  apiUrl?: string;
  /** `owner/name` (GitHub, Gitea) or a GitLab project id or path; derived from the repository URL when absent. */
  repo?: string | number;
  tokenEnv?: string;
  tokenFile?: string;
}
