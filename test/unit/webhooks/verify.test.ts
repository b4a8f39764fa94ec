import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  verifyGiteaSignature,
  verifyGithubSignature,
  verifyGitlabToken,
  verifyWebhook,
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
