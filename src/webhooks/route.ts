import { header, type Headers } from './headers.js';
import { matchesRepo } from './match.js';
import { parsePushEvent } from './parse.js';
import { verifyWebhook, WEBHOOK_MAX_BODY_BYTES, type WebhookProvider } from './verify.js';

/** What the webhook endpoint needs to know of a project. */
export interface WebhookProject {
  name: string;
  /** The configured repository URL. */
  repoUrl: string;
  /** The deploy branch. */
  branch: string;
  /** The project's webhook secret (already read from webhookSecretFile); none = no webhooks. */
  secret?: string;
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

/**
 * Decides what one delivery to `/hooks/<provider>` does, without doing it. The signature is
 * checked before the body is even parsed, against every project's secret: only a sender that
 * knows some project's secret learns whether a repository is tracked (404) or gets anything
 * done (202). Nothing else needs the HTTP server, so this is all unit-testable.
 */
export function routeWebhook(req: WebhookRequest): WebhookDecision {
  const limit = req.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
  if (req.rawBody.length > limit) return { status: 413, message: `body over ${limit} bytes`, triggers: [] };

  const verdicts = new Map<string, boolean>();
  const authenticated = req.projects.filter((p) => {
    if (!p.secret) return false;
    let ok = verdicts.get(p.secret);
    if (ok === undefined) {
      ok = verifyWebhook(req.provider, req.rawBody, req.headers, p.secret);
      verdicts.set(p.secret, ok);
    }
    return ok;
  });
  if (authenticated.length === 0) {
    return { status: 401, message: 'missing or invalid webhook signature', triggers: [] };
  }

  let body: unknown;
  try {
    body = parseBody(req.headers, req.rawBody);
  } catch {
    return { status: 400, message: 'body is not JSON', triggers: [] };
  }
  const event = parsePushEvent(req.provider, req.headers, body);
  if (event.kind === 'ping') return { status: 200, message: 'pong', triggers: [] };
  if (event.kind === 'ignored') return { status: 202, message: `ignored: ${event.reason}`, triggers: [] };

  const tracking = authenticated.filter((p) => matchesRepo(p.repoUrl, event.repoUrls));
  if (tracking.length === 0) {
    return {
      status: 404,
      message: `no project tracks ${event.repoUrls[0] ?? 'this repository'}`,
      triggers: [],
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
  return { status: 202, message, triggers };
}
