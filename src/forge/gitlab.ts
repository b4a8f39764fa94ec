import { truncateDescription } from './description.js';
import { isSuccess, joinUrl, postJson, responseError, type FetchLike, type JsonRequest } from './http.js';
import { resolveToken, type TokenSource } from './token.js';
import type { CommitState, CommitStatus, StatusProvider } from './types.js';

export interface GitLabStatusOptions extends TokenSource {
  /** `https://gitlab.com/api/v4` or `https://gitlab.example.org/api/v4`. */
  apiUrl: string;
  /** Numeric project id or full path (`group/sub/project`); the path is URL-encoded. */
  project: string;
  env?: NodeJS.ProcessEnv;
  fetch?: FetchLike;
  timeoutMs?: number;
}

export type GitLabState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

/**
 * GitLab's commit statuses are pipeline jobs with their own state names. Spin posts `pending`
 * when it starts acting on a commit, which GitLab calls `running` (its `pending` means queued and
 * not started). GitLab has no `error`: Spin failing to act is shown as `failed`, and the
 * description says why.
 */
export const GITLAB_STATE: Record<CommitState, GitLabState> = {
  pending: 'running',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

/**
 * `POST {apiUrl}/projects/{id}/statuses/{sha}` with `{state, name, target_url, description}` and
 * the `PRIVATE-TOKEN` header (GitLab Commits API, "Set the pipeline status of a commit").
 */
export class GitLabStatusProvider implements StatusProvider {
  readonly name = 'gitlab';

  constructor(private readonly options: GitLabStatusOptions) {
    if (!options.project) throw new Error('gitlab: project id or path is required');
  }

  async post(status: CommitStatus): Promise<void> {
    const token = resolveToken(this.options, this.options.env);
    const body: Record<string, string> = {
      state: GITLAB_STATE[status.state],
      name: status.context,
      description: truncateDescription(status.description),
    };
    if (status.targetUrl) body.target_url = status.targetUrl;
    const req: JsonRequest = {
      provider: 'gitlab',
      url: joinUrl(
        this.options.apiUrl,
        'projects',
        encodeURIComponent(this.options.project),
        'statuses',
        encodeURIComponent(status.commit),
      ),
      headers: { 'PRIVATE-TOKEN': token, Accept: 'application/json', 'User-Agent': 'spin-gitops' },
      body,
      token,
      timeoutMs: this.options.timeoutMs ?? 15_000,
      fetch: this.options.fetch ?? fetch,
    };
    const res = await postJson(req);
    if (isSuccess(res)) return;
    // GitLab refuses to move a status to the state it already has ("Cannot transition status via
    // :run from :running"), e.g. a second `pending` with a new description. The commit already
    // shows that state, so there is nothing left to deliver.
    if (res.status === 400 && /cannot transition status/i.test(res.text)) return;
    throw responseError(req, res);
  }
}
