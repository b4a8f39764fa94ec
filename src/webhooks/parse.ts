import { header, type Headers } from './headers.js';
import type { WebhookProvider } from './verify.js';

/** A new head for a ref of a repository: a branch push, or a pull/merge request's new head. */
export interface PushEvent {
  kind: 'push';
  /** Every URL the forge gives for the repository (clone, web, ssh); see matchesRepo. */
  repoUrls: string[];
  /** `refs/heads/<branch>`, or `refs/pull/<n>/head` / `refs/merge-requests/<iid>/head`. */
  ref: string;
  /** The new head (all zeros when the branch was deleted). */
  after: string;
  /** The branch was deleted. */
  deleted: boolean;
  /** Set for pull/merge-request events: their number (GitHub, Gitea) or iid (GitLab). */
  pullRequest?: number;
}

export type WebhookEvent =
  PushEvent | { kind: 'ping'; repoUrls: string[] } | { kind: 'ignored'; reason: string; repoUrls: string[] };

type Json = Record<string, unknown>;

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ZERO = /^0+$/;

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function urls(source: Json, keys: string[]): string[] {
  return [...new Set(keys.map((k) => str(source[k])).filter((u): u is string => u !== undefined))];
}

/** GitHub and Gitea name the repository's URLs alike. */
const HUB_URL_KEYS = ['clone_url', 'html_url', 'ssh_url', 'git_url'];
/** GitLab: `project` (current) and `repository` (older, still sent). */
const GITLAB_URL_KEYS = ['git_http_url', 'git_ssh_url', 'web_url', 'http_url', 'ssh_url', 'url', 'homepage'];

/** The event a delivery announces, from its provider's header. */
export function eventName(provider: WebhookProvider, headers: Headers): string | undefined {
  if (provider === 'github') return header(headers, 'x-github-event');
  if (provider === 'gitlab') return header(headers, 'x-gitlab-event');
  // Forgejo renamed the header; both also send X-Gogs-Event and X-GitHub-Event.
  return (
    header(headers, 'x-gitea-event') ??
    header(headers, 'x-forgejo-event') ??
    header(headers, 'x-gogs-event') ??
    header(headers, 'x-github-event')
  );
}

function branchPush(repoUrls: string[], body: Json): WebhookEvent {
  const ref = str(body.ref);
  const after = str(body.after)?.toLowerCase();
  if (!ref || !after || !SHA.test(after))
    return { kind: 'ignored', reason: 'push without ref or head', repoUrls };
  if (ref.startsWith('refs/tags/')) return { kind: 'ignored', reason: `tag push ${ref}`, repoUrls };
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignored', reason: `push to ${ref}`, repoUrls };
  return { kind: 'push', repoUrls, ref, after, deleted: body.deleted === true || ZERO.test(after) };
}

function pullRequest(repoUrls: string[], number: unknown, head: unknown, prefix: string): WebhookEvent {
  const n = typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
  const after = str(head)?.toLowerCase();
  if (n === undefined || !after || !SHA.test(after)) {
    return { kind: 'ignored', reason: 'pull request without number or head', repoUrls };
  }
  return { kind: 'push', repoUrls, ref: `refs/${prefix}/${n}/head`, after, deleted: false, pullRequest: n };
}

function parseHub(event: string | undefined, body: Json, openActions: string[]): WebhookEvent {
  const repoUrls = urls(obj(body.repository), HUB_URL_KEYS);
  if (event === 'ping') return { kind: 'ping', repoUrls };
  if (event === 'push') return branchPush(repoUrls, body);
  if (event === 'pull_request') {
    const action = str(body.action) ?? '';
    if (!openActions.includes(action)) return { kind: 'ignored', reason: `pull request ${action}`, repoUrls };
    const pr = obj(body.pull_request);
    return pullRequest(repoUrls, body.number ?? pr.number, obj(pr.head).sha, 'pull');
  }
  return { kind: 'ignored', reason: `event ${event ?? '(none)'}`, repoUrls };
}

function parseGitlab(event: string | undefined, body: Json): WebhookEvent {
  const repoUrls = [
    ...new Set([...urls(obj(body.project), GITLAB_URL_KEYS), ...urls(obj(body.repository), GITLAB_URL_KEYS)]),
  ];
  const kind = str(body.object_kind);
  // System hooks carry the same push payload under another event name.
  if ((event === 'Push Hook' || event === 'System Hook') && kind === 'push')
    return branchPush(repoUrls, body);
  if (event === 'Merge Request Hook' && kind === 'merge_request') {
    const attrs = obj(body.object_attributes);
    const action = str(attrs.action) ?? '';
    if (!['open', 'reopen', 'update'].includes(action)) {
      return { kind: 'ignored', reason: `merge request ${action}`, repoUrls };
    }
    return pullRequest(repoUrls, attrs.iid, obj(attrs.last_commit).id, 'merge-requests');
  }
  return { kind: 'ignored', reason: `event ${event ?? '(none)'}`, repoUrls };
}

/**
 * What a webhook delivery means for Spin, from the event header and the parsed JSON body. Only
 * branch pushes and opened/updated pull or merge requests matter; everything else is `ignored`
 * with a reason for the response and the log.
 */
export function parsePushEvent(provider: WebhookProvider, headers: Headers, body: unknown): WebhookEvent {
  const json = obj(body);
  const event = eventName(provider, headers);
  if (provider === 'gitlab') return parseGitlab(event, json);
  // Gitea says "synchronized" where GitHub says "synchronize".
  return parseHub(event, json, ['opened', 'reopened', 'synchronize', 'synchronized']);
}
