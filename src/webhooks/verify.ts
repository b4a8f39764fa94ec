import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { header, type Headers } from './headers.js';

export type WebhookProvider = 'github' | 'gitea' | 'gitlab';

/** Bodies above this are refused before any parsing (GitHub caps payloads at 25 MB; pushes are far smaller). */
export const WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024;

function hmacSha256(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/**
 * Compares a hex digest from a header with the expected one in constant time. A malformed or
 * wrongly sized value is compared against a dummy of the right size anyway, so timing does not
 * reveal how far a forged value got.
 */
function digestMatches(hex: string | undefined, expected: Buffer): boolean {
  const wellFormed = hex !== undefined && /^[0-9a-fA-F]+$/.test(hex) && hex.length === expected.length * 2;
  const given = wellFormed ? Buffer.from(hex, 'hex') : Buffer.alloc(expected.length);
  return timingSafeEqual(given, expected) && wellFormed;
}

/**
 * GitHub (and Gitea/Forgejo, which send the same header): `X-Hub-Signature-256: sha256=<hex>`,
 * an HMAC-SHA256 of the raw body with the webhook secret. An empty secret never verifies.
 */
export function verifyGithubSignature(
  rawBody: Buffer,
  signatureHeader: string | undefined,
  secret: string,
): boolean {
  if (!secret) return false;
  const expected = hmacSha256(secret, rawBody);
  const value = signatureHeader?.trim();
  const hex = value?.toLowerCase().startsWith('sha256=') ? value.slice('sha256='.length) : undefined;
  return digestMatches(hex, expected);
}

/**
 * Gitea and Forgejo: `X-Hub-Signature-256` when present (current versions send it), else their
 * own `X-Gitea-Signature` / `X-Forgejo-Signature`, the same HMAC as bare hex.
 */
export function verifyGiteaSignature(rawBody: Buffer, headers: Headers, secret: string): boolean {
  if (!secret) return false;
  const hub = header(headers, 'x-hub-signature-256');
  if (hub !== undefined) return verifyGithubSignature(rawBody, hub, secret);
  const bare = header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature');
  return digestMatches(bare?.trim(), hmacSha256(secret, rawBody));
}

/**
 * GitLab sends the secret itself in `X-Gitlab-Token`. Both sides are hashed first so the
 * constant-time comparison works on equal lengths and leaks nothing about the secret's length.
 */
export function verifyGitlabToken(tokenHeader: string | undefined, secret: string): boolean {
  if (!secret) return false;
  const expected = createHash('sha256').update(secret).digest();
  const given = createHash('sha256')
    .update(tokenHeader ?? '')
    .digest();
  return timingSafeEqual(given, expected) && tokenHeader !== undefined;
}

/** The check each `/hooks/<provider>` endpoint applies. */
export function verifyWebhook(
  provider: WebhookProvider,
  rawBody: Buffer,
  headers: Headers,
  secret: string,
): boolean {
  switch (provider) {
    case 'github':
      return verifyGithubSignature(rawBody, header(headers, 'x-hub-signature-256'), secret);
    case 'gitea':
      return verifyGiteaSignature(rawBody, headers, secret);
    case 'gitlab':
      return verifyGitlabToken(header(headers, 'x-gitlab-token'), secret);
  }
}
