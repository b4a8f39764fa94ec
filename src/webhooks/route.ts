import { header, type Headers } from './headers.js';
import { matchesRepo } from './match.js';
import { parsePushEvent } from './parse.js';
import {
  WebhookVerifier,
  webhookCredential,
  WEBHOOK_MAX_BODY_BYTES,
  type WebhookProvider,
} from './verify.js';

/** What the webhook endpoint needs to know of a project. */
export interface WebhookProject {
  name: string;
  /** The configured repository URL. */
  repoUrl: string;
  /** The deploy branch. */
  branch: string;
  /** The project's webhook secret (already read from webhookSecretFile); none = no webhooks. */
  secret?: string;
  /** The secret it replaced, still accepted during the overlap after webhookSecretFile changed. */
  previousSecret?: string;
}

/** The secrets that verify a delivery for this project (none: it takes no webhooks). */
export function projectSecrets(p: WebhookProject): string[] {
  return [p.secret, p.previousSecret].filter((s): s is string => s !== undefined && s !== '');
}

export interface WebhookTrigger {
  project: string;
  /** `deploy`: the deploy branch moved. `preview`: another branch or a pull/merge request head. */
  reason: 'deploy' | 'preview';
  ref: string;
  after: string;
  deleted: boolean;
}

export interface WebhookDecision {
  /** The HTTP status to answer with. */
  status: 200 | 202 | 400 | 401 | 404 | 413;
  /** One line for the response body and the log. */
  message: string;
  /** Projects to reconcile now; empty unless status is 202. */
  triggers: WebhookTrigger[];
  /** Projects to poll now without an event (a signed body too large to parse). */
  polls?: string[];
  /** The repository the delivery names (its first URL), for the log. */
  repository?: string;
}

export interface WebhookRequest {
  provider: WebhookProvider;
  headers: Headers;
  rawBody: Buffer;
  projects: readonly WebhookProject[];
  maxBodyBytes?: number;
}

/** GitHub can be set to send `application/x-www-form-urlencoded` with the JSON in `payload`. */
function parseBody(headers: Headers, rawBody: Buffer): unknown {
  const text = rawBody.toString('utf8');
  if ((header(headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new Error('form body without payload');
    return JSON.parse(payload) as unknown;
  }
  return JSON.parse(text) as unknown;
}

export const UNAUTHENTICATED: WebhookDecision = {
  status: 401,
  message: 'missing or invalid webhook signature',
  triggers: [],
};

/** The projects whose secret the delivery proved it knows (see WebhookVerifier). */
export function authenticatedProjects(
  projects: readonly WebhookProject[],
  verifiedSecrets: ReadonlySet<string>,
): WebhookProject[] {
  return projects.filter((p) => projectSecrets(p).some((s) => verifiedSecrets.has(s)));
}

/**
 * Decides what one delivery to `/hooks/<provider>` does, without doing it, for a body already in
 * memory. The signature is checked before the body is even parsed, against every project's
 * secret: only a sender that knows some project's secret learns whether a repository is tracked
 * (404) or gets anything done (202). The HTTP endpoint (src/api/webhook-endpoint.ts) streams the
 * body through the same WebhookVerifier instead and then calls decideWebhook.
 */
export function routeWebhook(req: WebhookRequest): WebhookDecision {
  const limit = req.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
  if (req.rawBody.length > limit) return { status: 413, message: `body over ${limit} bytes`, triggers: [] };
  const credential = webhookCredential(req.provider, req.headers);
  if (!credential) return UNAUTHENTICATED;
  const verifier = new WebhookVerifier(credential, req.projects.flatMap(projectSecrets));
  verifier.update(req.rawBody);
  const authenticated = authenticatedProjects(req.projects, verifier.verified());
  return decideWebhook(req.provider, req.headers, req.rawBody, authenticated);
}

/**
 * What an authenticated delivery does: parse the body, read the event, match the repository
 * against the projects whose secret signed it and trigger a deploy (their deploy branch moved)
 * or a preview (another ref).
 */
export function decideWebhook(
  provider: WebhookProvider,
  headers: Headers,
  rawBody: Buffer,
  authenticated: readonly WebhookProject[],
): WebhookDecision {
  if (authenticated.length === 0) return UNAUTHENTICATED;

  let body: unknown;
  try {
    body = parseBody(headers, rawBody);
  } catch {
    return { status: 400, message: 'body is not JSON', triggers: [] };
  }
  const event = parsePushEvent(provider, headers, body);
  const repository = event.repoUrls[0];
  if (event.kind === 'ping') return { status: 200, message: 'pong', triggers: [], repository };
  if (event.kind === 'ignored') {
    return { status: 202, message: `ignored: ${event.reason}`, triggers: [], repository };
  }

  const tracking = authenticated.filter((p) => matchesRepo(p.repoUrl, event.repoUrls));
  if (tracking.length === 0) {
    return {
      status: 404,
      message: `no project tracks ${repository ?? 'this repository'}`,
      triggers: [],
      repository,
    };
  }
  const triggers: WebhookTrigger[] = [];
  for (const p of tracking) {
    const deploy = event.ref === `refs/heads/${p.branch}`;
    // A deleted feature branch has nothing to preview; a deleted deploy branch still needs a pass.
    if (!deploy && event.deleted) continue;
    triggers.push({
      project: p.name,
      reason: deploy ? 'deploy' : 'preview',
      ref: event.ref,
      after: event.after,
      deleted: event.deleted,
    });
  }
  const message =
    triggers.length > 0
      ? `reconciling ${triggers.map((t) => `${t.project} (${t.reason})`).join(', ')}`
      : `nothing to do for ${event.ref}`;
  return { status: 202, message, triggers, repository };
}

/**
 * A signed delivery whose body is larger than what Spin parses (a push of many commits): the
 * sender is authentic but the event unknown, so every project whose secret signed it polls its
 * branch now. A poll that finds nothing new changes nothing; previews wait for their own event.
 */
export function unparsedDelivery(
  authenticated: readonly WebhookProject[],
  bytes: number,
  parseLimit: number,
): WebhookDecision {
  if (authenticated.length === 0) return UNAUTHENTICATED;
  const polls = authenticated.map((p) => p.name);
  return {
    status: 202,
    message: `body of ${bytes} bytes is over the ${parseLimit} Spin parses: polling ${polls.join(', ')}`,
    triggers: [],
    polls,
  };
}
