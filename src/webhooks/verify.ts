import { createHash, createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { header, type Headers } from './headers.js';

export type WebhookProvider = 'github' | 'gitea' | 'gitlab';

/** Bodies above this are refused before any parsing (GitHub caps payloads at 25 MB; pushes are far smaller). */
export const WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * What a delivery presents, in its headers, to prove it knows a project's secret: an HMAC-SHA256
 * of the body (GitHub, Gitea/Forgejo) or the secret itself (GitLab). Read before the body, so a
 * delivery without one is refused before a byte of it is read.
 */
export type WebhookCredential = { kind: 'hmac'; digest: Buffer } | { kind: 'token'; token: string };

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** `sha256=<hex>` as GitHub (and current Gitea/Forgejo) send it in X-Hub-Signature-256. */
function hubDigest(value: string | undefined): WebhookCredential | undefined {
  const v = value?.trim();
  if (!v?.toLowerCase().startsWith('sha256=')) return undefined;
  return bareDigest(v.slice('sha256='.length));
}

function bareDigest(value: string | undefined): WebhookCredential | undefined {
  const v = value?.trim();
  return v && SHA256_HEX.test(v) ? { kind: 'hmac', digest: Buffer.from(v, 'hex') } : undefined;
}

/**
 * The provider's credential header, parsed; undefined when it is missing or malformed (a value
 * that can never verify). Gitea/Forgejo: X-Hub-Signature-256 when present (a present but wrong
 * one is not rescued by another header), else their own X-Gitea-Signature / X-Forgejo-Signature,
 * the same HMAC as bare hex.
 */
export function webhookCredential(
  provider: WebhookProvider,
  headers: Headers,
): WebhookCredential | undefined {
  switch (provider) {
    case 'github':
      return hubDigest(header(headers, 'x-hub-signature-256'));
    case 'gitea': {
      const hub = header(headers, 'x-hub-signature-256');
      if (hub !== undefined) return hubDigest(hub);
      return bareDigest(header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature'));
    }
    case 'gitlab': {
      const token = header(headers, 'x-gitlab-token');
      return token ? { kind: 'token', token } : undefined;
    }
  }
}

/**
 * Checks a delivery against every candidate secret while its body streams in: each chunk goes
 * into one HMAC per distinct secret and is not kept here, so verifying never needs the whole body
 * in memory. `verified()` after the last chunk names the secrets that match. An empty secret
 * never verifies.
 */
export class WebhookVerifier {
  private readonly hmacs = new Map<string, Hmac>();

  constructor(
    private readonly credential: WebhookCredential,
    private readonly secrets: readonly string[],
  ) {
    if (credential.kind !== 'hmac') return;
    for (const secret of secrets) {
      if (secret && !this.hmacs.has(secret)) this.hmacs.set(secret, createHmac('sha256', secret));
    }
  }

  update(chunk: Buffer): void {
    for (const hmac of this.hmacs.values()) hmac.update(chunk);
  }

  /** The secrets the delivery proves it knows. Call once, after the last chunk. */
  verified(): Set<string> {
    const ok = new Set<string>();
    const credential = this.credential;
    if (credential.kind === 'hmac') {
      // Every digest is computed and compared in constant time, match or not.
      for (const [secret, hmac] of this.hmacs) {
        if (timingSafeEqual(hmac.digest(), credential.digest)) ok.add(secret);
      }
      return ok;
    }
    // GitLab: both sides hashed first, so the comparison is constant-time whatever the lengths.
    const given = sha256(credential.token);
    for (const secret of new Set(this.secrets)) {
      if (secret && timingSafeEqual(sha256(secret), given)) ok.add(secret);
    }
    return ok;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The check each `/hooks/<provider>` endpoint applies, for a body already in memory. */
export function verifyWebhook(
  provider: WebhookProvider,
  rawBody: Buffer,
  headers: Headers,
  secret: string,
): boolean {
  const credential = webhookCredential(provider, headers);
  if (!credential) return false;
  const verifier = new WebhookVerifier(credential, [secret]);
  verifier.update(rawBody);
  return verifier.verified().has(secret);
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of the raw body with the secret. */
export function verifyGithubSignature(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  secret: string,
): boolean {
  return verifyWebhook('github', rawBody, { 'x-hub-signature-256': signatureHeader }, secret);
}

/** Gitea and Forgejo: see webhookCredential for the headers. */
export function verifyGiteaSignature(rawBody: Buffer, headers: Headers, secret: string): boolean {
  return verifyWebhook('gitea', rawBody, headers, secret);
}

/** GitLab sends the secret itself in `X-Gitlab-Token`. */
export function verifyGitlabToken(tokenHeader: string | undefined, secret: string): boolean {
  return verifyWebhook('gitlab', Buffer.alloc(0), { 'x-gitlab-token': tokenHeader }, secret);
}
