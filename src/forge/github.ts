import { truncateDescription } from './description.js';
import { isSuccess, joinUrl, postJson, responseError, type FetchLike, type JsonRequest } from './http.js';
import { resolveToken, type TokenSource } from './token.js';
import type { CommitStatus, StatusProvider } from './types.js';

export interface GitHubStatusOptions extends TokenSource {
  /**
   * GitHub and Gitea/Forgejo share the statuses API (same path, body and states); they differ in
   * the Authorization scheme and GitHub's versioning headers.
   */
  flavor: 'github' | 'gitea';
  /** `https://api.github.com`, `https://ghe.example.org/api/v3`, `https://gitea.example.org/api/v1`. */
  apiUrl: string;
  /** `owner/name`. */
  repo: string;
  env?: NodeJS.ProcessEnv;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** The API version this client was written against; GitHub answers 400 to unknown versions. */
export const GITHUB_API_VERSION = '2022-11-28';

/**
 * `POST {apiUrl}/repos/{owner}/{repo}/statuses/{sha}` with `{state, target_url, description,
 * context}` (GitHub REST "Create a commit status"; Gitea/Forgejo `CreateStatusOption`). The
 * states are passed through unchanged: both APIs accept pending, success, failure and error.
 */
export class GitHubStatusProvider implements StatusProvider {
  readonly name: string;
  private readonly owner: string;
  private readonly repoName: string;

  constructor(private readonly options: GitHubStatusOptions) {
    this.name = options.flavor;
    const parts = options.repo.replace(/\.git$/, '').split('/');
    const [owner, repoName] = parts;
    if (parts.length !== 2 || !owner || !repoName) {
      throw new Error(`${options.flavor}: repo must be 'owner/name', got '${options.repo}'`);
    }
    this.owner = owner;
    this.repoName = repoName;
  }

  async post(status: CommitStatus): Promise<void> {
    const { flavor } = this.options;
    const token = resolveToken(this.options, this.options.env);
    const headers: Record<string, string> =
      flavor === 'github'
        ? {
            Accept: 'application/vnd.github+json',
            Authorization: `Bearer ${token}`,
            'X-GitHub-Api-Version': GITHUB_API_VERSION,
            // GitHub refuses requests without a User-Agent.
            'User-Agent': 'spin-gitops',
          }
        : { Accept: 'application/json', Authorization: `token ${token}`, 'User-Agent': 'spin-gitops' };
    const body: Record<string, string> = {
      state: status.state,
      description: truncateDescription(status.description),
      context: status.context,
    };
    if (status.targetUrl) body.target_url = status.targetUrl;
    const req: JsonRequest = {
      provider: flavor,
      url: joinUrl(
        this.options.apiUrl,
        'repos',
        encodeURIComponent(this.owner),
        encodeURIComponent(this.repoName),
        'statuses',
        encodeURIComponent(status.commit),
      ),
      headers,
      body,
      token,
      timeoutMs: this.options.timeoutMs ?? 15_000,
      fetch: this.options.fetch ?? fetch,
    };
    const res = await postJson(req);
    if (!isSuccess(res)) throw responseError(req, res);
  }
}
