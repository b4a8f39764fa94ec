import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  verifyGiteaSignature,
  verifyGithubSignature,
  verifyGitlabToken,
  verifyWebhook,
  webhookCredential,
  WebhookVerifier,
} from '../../../src/webhooks/verify.js';

const SECRET = "It's a Secret to Everybody";
// GitHub's documented test vector for validating webhook deliveries.
const BODY = Buffer.from('Hello, World!');
const DOCUMENTED = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const sign = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

describe('verifyGithubSignature', () => {
  it("accepts GitHub's documented example", () => {
    expect(verifyGithubSignature(BODY, DOCUMENTED, SECRET)).toBe(true);
    expect(verifyGithubSignature(BODY, DOCUMENTED.toUpperCase().replace('SHA256=', 'sha256='), SECRET)).toBe(
      true,
    );
  });

  it('refuses a wrong secret, a changed body, a missing or malformed header', () => {
    expect(verifyGithubSignature(BODY, DOCUMENTED, 'other secret')).toBe(false);
    expect(verifyGithubSignature(Buffer.from('Hello, World?'), DOCUMENTED, SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, undefined, SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, '', SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, DOCUMENTED.replace('sha256=', ''), SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, `sha1=${sign(BODY)}`, SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, DOCUMENTED.slice(0, -2), SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, `${DOCUMENTED}00`, SECRET)).toBe(false);
    expect(verifyGithubSignature(BODY, `sha256=${'zz'.repeat(32)}`, SECRET)).toBe(false);
  });

  it('never verifies with an empty secret', () => {
    expect(verifyGithubSignature(BODY, `sha256=${sign(BODY, '')}`, '')).toBe(false);
  });
});

describe('verifyGiteaSignature', () => {
  it('accepts X-Hub-Signature-256 and the bare-hex X-Gitea-Signature / X-Forgejo-Signature', () => {
    expect(verifyGiteaSignature(BODY, { 'x-hub-signature-256': DOCUMENTED }, SECRET)).toBe(true);
    expect(verifyGiteaSignature(BODY, { 'x-gitea-signature': sign(BODY) }, SECRET)).toBe(true);
    expect(verifyGiteaSignature(BODY, { 'X-Forgejo-Signature': sign(BODY) }, SECRET)).toBe(true);
  });

  it('refuses wrong or missing signatures', () => {
    expect(verifyGiteaSignature(BODY, { 'x-gitea-signature': sign(BODY, 'x') }, SECRET)).toBe(false);
    expect(verifyGiteaSignature(BODY, {}, SECRET)).toBe(false);
    // A present but wrong hub header is not rescued by a gitea header.
    expect(
      verifyGiteaSignature(
        BODY,
        { 'x-hub-signature-256': 'sha256=00', 'x-gitea-signature': sign(BODY) },
        SECRET,
      ),
    ).toBe(false);
  });
});

describe('verifyGitlabToken', () => {
  it('compares the token with the secret', () => {
    expect(verifyGitlabToken(SECRET, SECRET)).toBe(true);
    expect(verifyGitlabToken(`${SECRET} `, SECRET)).toBe(false);
    expect(verifyGitlabToken('short', SECRET)).toBe(false);
    expect(verifyGitlabToken(undefined, SECRET)).toBe(false);
    expect(verifyGitlabToken('', '')).toBe(false);
  });
});

describe('verifyWebhook', () => {
  it('uses each provider’s header', () => {
    expect(verifyWebhook('github', BODY, { 'x-hub-signature-256': DOCUMENTED }, SECRET)).toBe(true);
    expect(verifyWebhook('github', BODY, { 'x-gitea-signature': sign(BODY) }, SECRET)).toBe(false);
    expect(verifyWebhook('gitea', BODY, { 'x-gitea-signature': sign(BODY) }, SECRET)).toBe(true);
    expect(verifyWebhook('gitlab', BODY, { 'x-gitlab-token': SECRET }, SECRET)).toBe(true);
    expect(verifyWebhook('gitlab', BODY, { 'x-hub-signature-256': DOCUMENTED }, SECRET)).toBe(false);
  });
});

describe('webhookCredential (read before the body)', () => {
  it("reads each provider's header, and nothing from the others", () => {
    expect(webhookCredential('github', { 'x-hub-signature-256': DOCUMENTED })).toMatchObject({
      kind: 'hmac',
    });
    expect(webhookCredential('gitea', { 'x-gitea-signature': sign(BODY) })).toMatchObject({ kind: 'hmac' });
    expect(webhookCredential('gitlab', { 'x-gitlab-token': SECRET })).toEqual({
      kind: 'token',
      token: SECRET,
    });
    expect(webhookCredential('github', { 'x-gitea-signature': sign(BODY) })).toBeUndefined();
    expect(webhookCredential('gitlab', { 'x-hub-signature-256': DOCUMENTED })).toBeUndefined();
  });

  it('is undefined for a missing or malformed value, which can never verify', () => {
    for (const value of [undefined, '', 'sha256=', `sha1=${sign(BODY)}`, 'sha256=zz', `${DOCUMENTED}00`]) {
      expect(webhookCredential('github', { 'x-hub-signature-256': value }), value).toBeUndefined();
    }
    expect(webhookCredential('gitlab', { 'x-gitlab-token': '' })).toBeUndefined();
  });
});

describe('WebhookVerifier', () => {
  it('gives the same verdict for a body fed in chunks as for the whole body', () => {
    const body = Buffer.from(JSON.stringify({ padding: 'x'.repeat(100_000), n: 1 }));
    const credential = webhookCredential('github', { 'x-hub-signature-256': `sha256=${sign(body)}` });
    if (!credential) throw new Error('no credential');
    const verifier = new WebhookVerifier(credential, ['other', SECRET, '', SECRET]);
    for (let at = 0; at < body.length; at += 7_919) verifier.update(body.subarray(at, at + 7_919));
    expect([...verifier.verified()]).toEqual([SECRET]);
  });

  it('verifies nothing when one byte differs or the secret is empty', () => {
    const body = Buffer.from('{"a":1}');
    const credential = webhookCredential('github', { 'x-hub-signature-256': `sha256=${sign(body, '')}` });
    if (!credential) throw new Error('no credential');
    const changed = new WebhookVerifier(credential, ['', SECRET]);
    changed.update(Buffer.from('{"a":2}'));
    expect(changed.verified().size).toBe(0);
    const empty = new WebhookVerifier(credential, ['']);
    empty.update(body);
    expect(empty.verified().size).toBe(0);
  });

  it('matches a GitLab token against every secret without reading the body', () => {
    const verifier = new WebhookVerifier({ kind: 'token', token: 'b' }, ['a', 'b', 'b']);
    expect([...verifier.verified()]).toEqual(['b']);
  });
});
