import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RepoAccess, RepoLocation } from '../config/types.js';
import { repoHttpClient } from '../git/http-client.js';
import type { StatusConfig } from '../model/status-config.js';
import { GitHubStatusProvider } from './github.js';
import { GitLabStatusProvider } from './gitlab.js';
import { GitNotesProvider } from './gitnotes.js';
import type { FetchLike } from './http.js';
import type { StatusProvider } from './types.js';

export interface ProviderContext {
  /** The project's repository as configured. */
  repo: RepoLocation;
  /**
   * gitnotes on a remote repository: the bare cache repository the provider owns, e.g.
   * `<stateDir>/notes/<project>.git` (kept apart from the source cache so the two never race).
   */
  notesCacheDir: string;
  /** The project's git credentials and CA, for gitnotes pushes to a private repository. */
  access?: RepoAccess;
  env?: NodeJS.ProcessEnv;
  fetch?: FetchLike;
}

/** JSON schema (draft-07) of the `status:` block, for schemas/config.schema.json. */
export const statusConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['provider'],
  properties: {
    provider: {
      enum: ['gitnotes', 'github', 'gitea', 'gitlab'],
      description: 'Where commit statuses go: a git note (default) or a forge statuses API.',
    },
    apiUrl: {
      type: 'string',
      pattern: '^https?://',
      description: 'Forge API root, e.g. https://api.github.com, https://gitea.example.org/api/v1.',
    },
    repo: {
      type: ['string', 'integer'],
      minLength: 1,
      description: 'owner/name (GitHub, Gitea) or GitLab project id or path.',
    },
    tokenEnv: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'Environment variable holding the API token.',
    },
    tokenFile: { type: 'string', minLength: 1, description: 'File holding the API token.' },
  },
  if: { properties: { provider: { enum: ['github', 'gitea', 'gitlab'] } } },
  then: { anyOf: [{ required: ['tokenEnv'] }, { required: ['tokenFile'] }] },
} as const;

/** `http(s)://user:pw@host/prefix/owner/name.git` → its origin, path segments; credentials dropped. */
function splitRepoUrl(repo: RepoLocation): { origin: string; segments: string[] } | undefined {
  if (repo.kind !== 'http') return undefined;
  let url: URL;
  try {
    url = new URL(repo.url);
  } catch {
    return undefined;
  }
  const segments = url.pathname
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  return { origin: url.origin, segments };
}

/** The gitdir of a local repository, as LocalGitSource finds it: `<path>/.git` when that is a folder. */
export function localGitdir(repoPath: string): string {
  const dotGit = path.join(repoPath, '.git');
  return existsSync(dotGit) && statSync(dotGit).isDirectory() ? dotGit : repoPath;
}

/**
 * Builds the provider a project's `status:` block asks for. Throws (a configuration error) when
 * a forge provider lacks a token source, or when repo or apiUrl are missing and cannot be
 * derived from the repository URL.
 */
export function createProvider(config: StatusConfig | undefined, ctx: ProviderContext): StatusProvider {
  const cfg: StatusConfig = config ?? { provider: 'gitnotes' };
  if (cfg.provider === 'gitnotes') {
    return ctx.repo.kind === 'http'
      ? new GitNotesProvider({
          gitdir: ctx.notesCacheDir,
          url: ctx.repo.url,
          http: repoHttpClient(ctx.access),
        })
      : new GitNotesProvider({ gitdir: localGitdir(ctx.repo.path) });
  }
  if (!cfg.tokenEnv && !cfg.tokenFile) {
    throw new Error(`status provider ${cfg.provider} needs tokenEnv or tokenFile`);
  }
  const parts = splitRepoUrl(ctx.repo);
  const common = { tokenEnv: cfg.tokenEnv, tokenFile: cfg.tokenFile, env: ctx.env, fetch: ctx.fetch };
  const need = (what: string): never => {
    throw new Error(
      `status provider ${cfg.provider}: set ${what}; it cannot be derived from the repository URL`,
    );
  };

  if (cfg.provider === 'gitlab') {
    // Nested groups make the split between a GitLab under a path prefix and the project path
    // ambiguous, so the derivation assumes GitLab at the root of its host.
    const project = cfg.repo !== undefined ? String(cfg.repo) : parts?.segments.join('/') || need('repo');
    const apiUrl = cfg.apiUrl ?? (parts ? `${parts.origin}/api/v4` : need('apiUrl'));
    return new GitLabStatusProvider({ ...common, apiUrl, project });
  }

  // GitHub and Gitea: the repository is the last two path segments; Gitea may live under a prefix.
  const owned = parts && parts.segments.length >= 2 ? parts.segments.slice(-2) : undefined;
  const repo = cfg.repo !== undefined ? String(cfg.repo) : owned ? owned.join('/') : need('repo');
  let apiUrl = cfg.apiUrl;
  if (!apiUrl) {
    if (!parts || !owned) return need('apiUrl');
    const prefix = parts.segments.slice(0, -2).map(encodeURIComponent).join('/');
    const base = prefix ? `${parts.origin}/${prefix}` : parts.origin;
    if (cfg.provider === 'gitea') apiUrl = `${base}/api/v1`;
    else
      apiUrl = new URL(parts.origin).hostname === 'github.com' ? 'https://api.github.com' : `${base}/api/v3`;
  }
  return new GitHubStatusProvider({ ...common, flavor: cfg.provider, apiUrl, repo });
}
