import type http from 'node:http';
import type { Logger } from '../util/logger.js';
import {
  authenticatedProjects,
  projectSecrets,
  decideWebhook,
  deliveryHeaders,
  unparsedDelivery,
  UNAUTHENTICATED,
  webhookCredential,
  WebhookVerifier,
  WEBHOOK_MAX_BODY_BYTES,
  type WebhookDecision,
  type WebhookProject,
  type WebhookProvider,
  type WebhookTrigger,
} from '../webhooks/index.js';
import { InFlightLimit } from './in-flight-limit.js';
import { json, streamBody, type Reply } from './http.js';

/**
 * The numbers that bound what unauthenticated senders can make the daemon spend on /hooks/*.
 * Worst case held in memory: maxInFlight x maxParseBytes (8 MiB), whatever the senders send.
 */
export interface WebhookLimits {
  /** Deliveries read at once; more are answered 429 at once. Forges send one per push. */
  maxInFlight: number;
  /** Bodies over this are refused (413) as soon as the count passes it. */
  maxBodyBytes: number;
  /**
   * Bytes kept for parsing once the signature is checked. A signed body above this is not parsed:
   * its projects poll instead (see unparsedDelivery). Pushes of up to 20 commits are well under
   * 100 KiB on GitHub and GitLab.
   */
  maxParseBytes: number;
  /** The body must be in within this; GitHub and GitLab give up on a delivery after 10 s. */
  bodyTimeoutMs: number;
  /** Retry-After on 429. */
  retryAfterSeconds: number;
}

export const DEFAULT_WEBHOOK_LIMITS: WebhookLimits = {
  maxInFlight: 8,
  maxBodyBytes: WEBHOOK_MAX_BODY_BYTES,
  maxParseBytes: 1024 * 1024,
  bodyTimeoutMs: 15_000,
  retryAfterSeconds: 5,
};

export interface WebhookEndpointDeps {
  /** The projects as they are now (the config reloads). */
  projects(): WebhookProject[];
  /** The deploy branch moved (or may have): reconcile the project now. */
  deploy(project: string): void;
  /** Another branch or a pull/merge request head: a review preview. */
  preview(trigger: WebhookTrigger): void;
  /** Every delivery, by the HTTP status it was answered with (spin_webhook_requests_total). */
  onAnswered?(status: number): void;
  log: Logger;
}

/** What an answer says, and the log line about it. */
interface Verdict {
  status: number;
  message: string;
  /** Projects reconciled or polled because of the delivery. */
  projects: string[];
  repository?: string;
  headers?: Record<string, string>;
}

/**
 * `POST /hooks/<provider>`: refuses early what it can (too many in flight, no signature header,
 * a declared length over the cap) before reading a byte of the body; streams the rest through
 * the HMAC of every candidate secret, keeping at most maxParseBytes; acts on what verifies; logs
 * one line per delivery (never the body, never a secret).
 */
export function webhookEndpoint(
  deps: WebhookEndpointDeps,
  limits: WebhookLimits = DEFAULT_WEBHOOK_LIMITS,
): (req: http.IncomingMessage, provider: WebhookProvider) => Promise<Reply> {
  const inFlight = new InFlightLimit(limits.maxInFlight);

  async function deliver(req: http.IncomingMessage, provider: WebhookProvider): Promise<Verdict> {
    if (!inFlight.tryEnter()) {
      return {
        status: 429,
        message: `too many webhook deliveries in flight (at most ${limits.maxInFlight}); retry later`,
        projects: [],
        headers: { 'retry-after': String(limits.retryAfterSeconds) },
      };
    }
    try {
      return await verifyAndAct(req, provider);
    } finally {
      inFlight.leave();
    }
  }

  async function verifyAndAct(req: http.IncomingMessage, provider: WebhookProvider): Promise<Verdict> {
    // Refusals made before the body is all read: the server discards the rest for a moment and
    // then drops the connection (dropUnreadBody).
    const early = (status: number, message: string): Verdict => ({ status, message, projects: [] });
    const credential = webhookCredential(provider, req.headers);
    if (!credential) return early(401, `missing or malformed ${CREDENTIAL_HEADER[provider]} header`);
    const projects = deps.projects().filter((p) => p.secret);
    if (projects.length === 0) return early(401, UNAUTHENTICATED.message);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
      return early(413, `body over ${limits.maxBodyBytes} bytes`);
    }

    const verifier = new WebhookVerifier(credential, projects.flatMap(projectSecrets));
    let kept: Buffer[] = [];
    let keptBytes = 0;
    const { outcome, bytes } = await streamBody(req, {
      maxBytes: limits.maxBodyBytes,
      timeoutMs: limits.bodyTimeoutMs,
      onChunk: (chunk) => {
        verifier.update(chunk);
        keptBytes += chunk.length;
        // Past the parse cap nothing more is kept: the signature still covers every byte.
        if (keptBytes <= limits.maxParseBytes) kept.push(chunk);
        else kept = [];
      },
    });
    if (outcome === 'too-large') return early(413, `body over ${limits.maxBodyBytes} bytes`);
    if (outcome === 'timeout') return early(408, `body not received within ${limits.bodyTimeoutMs} ms`);
    if (outcome === 'aborted') return early(400, 'delivery aborted by the sender');

    const authenticated = authenticatedProjects(projects, verifier.verified());
    const decision: WebhookDecision =
      bytes > limits.maxParseBytes
        ? unparsedDelivery(authenticated, bytes, limits.maxParseBytes)
        : decideWebhook(provider, req.headers, Buffer.concat(kept), authenticated);
    for (const trigger of decision.triggers) {
      if (trigger.reason === 'deploy') deps.deploy(trigger.project);
      else deps.preview(trigger);
    }
    for (const name of decision.polls ?? []) deps.deploy(name);
    return {
      status: decision.status,
      message: decision.message,
      projects: [...decision.triggers.map((t) => t.project), ...(decision.polls ?? [])],
      repository: decision.repository,
    };
  }

  return async (req, provider) => {
    const verdict = await deliver(req, provider);
    deps.onAnswered?.(verdict.status);
    deps.log.info(
      {
        provider,
        ...deliveryHeaders(provider, req.headers),
        repository: verdict.repository,
        projects: verdict.projects,
        status: verdict.status,
        verdict: verdict.message,
      },
      'webhook delivery',
    );
    return json(verdict.status, { message: verdict.message, triggered: verdict.projects }, verdict.headers);
  };
}

const CREDENTIAL_HEADER: Record<WebhookProvider, string> = {
  github: 'X-Hub-Signature-256',
  gitea: 'X-Hub-Signature-256 (or X-Gitea-Signature)',
  gitlab: 'X-Gitlab-Token',
};
