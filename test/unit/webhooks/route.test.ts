import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { routeWebhook, unparsedDelivery, type WebhookProject } from '../../../src/webhooks/route.js';
import { AFTER, githubPing, githubPullRequest, githubPush, giteaPush, gitlabPush } from './payloads.js';

const projects: WebhookProject[] = [
  {
    name: 'gateway-a',
    repoUrl: 'https://github.com/octo-org/gateway-a.git',
    branch: 'main',
    secret: 's3cret-a',
  },
  {
    name: 'gateway-a-staging',
    repoUrl: 'https://github.com/octo-org/gateway-a',
    branch: 'staging',
    secret: 's3cret-a',
  },
  { name: 'other', repoUrl: 'https://github.com/octo-org/other.git', branch: 'main', secret: 's3cret-o' },
  { name: 'no-secret', repoUrl: 'https://github.com/octo-org/gateway-a.git', branch: 'main' },
  { name: 'webhooks', repoUrl: 'http://localhost:3000/gitea/webhooks.git', branch: 'develop', secret: 'g' },
  { name: 'diaspora', repoUrl: 'http://example.com/mike/diaspora.git', branch: 'master', secret: 'gl-token' },
];

function githubDelivery(body: unknown, secret: string, event = 'push') {
  const rawBody = Buffer.from(JSON.stringify(body));
  const signature = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
  return {
    provider: 'github' as const,
    rawBody,
    headers: {
      'x-github-event': event,
      'x-hub-signature-256': signature,
      'content-type': 'application/json',
    },
    projects,
  };
}

describe('routeWebhook', () => {
  it('triggers the projects on the pushed branch of the signed repository', () => {
    const decision = routeWebhook(githubDelivery(githubPush, 's3cret-a'));
    expect(decision.status).toBe(202);
    expect(decision.triggers).toEqual([
      { project: 'gateway-a', reason: 'deploy', ref: 'refs/heads/main', after: AFTER, deleted: false },
      {
        project: 'gateway-a-staging',
        reason: 'preview',
        ref: 'refs/heads/main',
        after: AFTER,
        deleted: false,
      },
    ]);
  });

  it('answers 401 to a wrong, missing or other-provider signature and parses nothing', () => {
    expect(routeWebhook(githubDelivery(githubPush, 'wrong'))).toMatchObject({ status: 401, triggers: [] });
    const unsigned = githubDelivery(githubPush, 's3cret-a');
    delete (unsigned.headers as Record<string, string | undefined>)['x-hub-signature-256'];
    expect(routeWebhook(unsigned)).toMatchObject({ status: 401 });
    // Not even JSON, but unauthenticated: 401, not 400.
    expect(routeWebhook({ ...unsigned, rawBody: Buffer.from('{not json') })).toMatchObject({ status: 401 });
    expect(routeWebhook({ ...githubDelivery(githubPush, 's3cret-a'), provider: 'gitlab' })).toMatchObject({
      status: 401,
    });
  });

  it('answers 404 when the signed repository is not one the secret belongs to', () => {
    expect(routeWebhook(githubDelivery(githubPush, 's3cret-o'))).toMatchObject({ status: 404, triggers: [] });
  });

  it('answers pings, ignores other events, refuses big or broken bodies', () => {
    expect(routeWebhook(githubDelivery(githubPing, 's3cret-a', 'ping'))).toMatchObject({ status: 200 });
    expect(routeWebhook(githubDelivery(githubPush, 's3cret-a', 'star'))).toMatchObject({
      status: 202,
      triggers: [],
    });
    const big = githubDelivery({ ...githubPush, padding: 'x'.repeat(2000) }, 's3cret-a');
    expect(routeWebhook({ ...big, maxBodyBytes: 1000 })).toMatchObject({ status: 413 });
    const raw = Buffer.from('{not json');
    const signed = githubDelivery({}, 's3cret-a');
    signed.rawBody = raw;
    signed.headers['x-hub-signature-256'] =
      `sha256=${createHmac('sha256', 's3cret-a').update(raw).digest('hex')}`;
    expect(routeWebhook(signed)).toMatchObject({ status: 400 });
  });

  it('previews pull requests and skips deleted feature branches', () => {
    const pr = routeWebhook(githubDelivery(githubPullRequest, 's3cret-a', 'pull_request'));
    expect(pr.triggers.map((t) => [t.project, t.reason, t.ref])).toEqual([
      ['gateway-a', 'preview', 'refs/pull/42/head'],
      ['gateway-a-staging', 'preview', 'refs/pull/42/head'],
    ]);
    const deleted = { ...githubPush, ref: 'refs/heads/feature', after: '0'.repeat(40), deleted: true };
    expect(routeWebhook(githubDelivery(deleted, 's3cret-a'))).toMatchObject({ status: 202, triggers: [] });
  });

  it('accepts GitHub form-encoded deliveries', () => {
    const rawBody = Buffer.from(new URLSearchParams({ payload: JSON.stringify(githubPush) }).toString());
    const signature = `sha256=${createHmac('sha256', 's3cret-a').update(rawBody).digest('hex')}`;
    const decision = routeWebhook({
      provider: 'github',
      rawBody,
      headers: {
        'x-github-event': 'push',
        'x-hub-signature-256': signature,
        'content-type': 'application/x-www-form-urlencoded',
      },
      projects,
    });
    expect(decision.triggers.map((t) => t.project)).toEqual(['gateway-a', 'gateway-a-staging']);
  });

  it('routes Gitea and GitLab deliveries', () => {
    const giteaBody = Buffer.from(JSON.stringify(giteaPush));
    const gitea = routeWebhook({
      provider: 'gitea',
      rawBody: giteaBody,
      headers: {
        'x-gitea-event': 'push',
        'x-gitea-signature': createHmac('sha256', 'g').update(giteaBody).digest('hex'),
      },
      projects,
    });
    expect(gitea.triggers).toMatchObject([{ project: 'webhooks', reason: 'deploy' }]);

    const gitlab = routeWebhook({
      provider: 'gitlab',
      rawBody: Buffer.from(JSON.stringify(gitlabPush)),
      headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'gl-token' },
      projects,
    });
    expect(gitlab.triggers).toMatchObject([{ project: 'diaspora', reason: 'deploy' }]);
  });
});

describe('unparsedDelivery', () => {
  it('polls every project whose secret signed a body too large to parse', () => {
    const signedBy = projects.filter((p) => p.secret === 's3cret-a');
    expect(unparsedDelivery(signedBy, 3_000_000, 1_048_576)).toEqual({
      status: 202,
      message: 'body of 3000000 bytes is over the 1048576 Spin parses: polling gateway-a, gateway-a-staging',
      triggers: [],
      polls: ['gateway-a', 'gateway-a-staging'],
    });
    expect(unparsedDelivery([], 3_000_000, 1_048_576)).toMatchObject({ status: 401, triggers: [] });
  });

  it('names the repository of a decided delivery, for the log', () => {
    expect(routeWebhook(githubDelivery(githubPush, 's3cret-o'))).toMatchObject({
      status: 404,
      repository: 'https://github.com/Octo-Org/Gateway-A.git',
    });
  });
});
