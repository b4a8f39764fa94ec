import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { callApi } from '../helpers/api-client.js';
import { waitFor } from '../helpers/docker.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';
import { endlessPost, rawRequest, type EndlessRequest } from '../helpers/raw-http.js';
import { startDaemon, writeConfig } from '../helpers/spin-cli.js';
import type { ProjectStatus } from '../../src/status/project-status.js';

/**
 * What a page in an operator's browser, a DNS-rebinding site and an unauthenticated webhook
 * sender can make the real `spin daemon` do (issue #12 item 9): nothing. Writes take only a
 * bearer token and a JSON body from a non-cross-site client; every request names the daemon by
 * one of its own names; /hooks/* refuse before reading an unsigned body, hash the body as it
 * streams, cap what is in flight and log each delivery without its body or the secret.
 */
const READ = 'sec-read-token-0123456789abcdef';
const WRITE = 'sec-write-token-0123456789abcdef';
const SECRET = `hook-${randomBytes(16).toString('hex')}`;

let f: ProjectFixture;
let api: string;
let port: string;
let head: string;

const suspended = async () =>
  (await callApi<{ status: ProjectStatus }>(api, 'GET', `/api/v1/projects/${f.project}`, { token: READ }))
    .body.status.suspended === true;
const sign = (body: string | Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

beforeAll(async () => {
  f = await projectFixture('apisec', {
    pollInterval: '1h',
    project: { webhookSecret: SECRET },
    config: { api: { readToken: READ, writeToken: WRITE }, resyncSchedule: '0 0 1 1 *' },
  });
  head = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
  api = (await f.startDaemon()).apiUrl;
  port = new URL(api).port;
  await f.waitStatus((s) => s.appliedCommit === head, 'first commit applied');
});

afterAll(() => f?.cleanup());

describe('write routes refuse what a browser page can send', () => {
  const suspendPath = () => `/api/v1/projects/${f.project}/suspend`;

  it('a cross-site POST carrying the write token as Basic auth is refused and suspends nothing', async () => {
    const basic = `Basic ${Buffer.from(`operator:${WRITE}`).toString('base64')}`;
    // What a browser sends for a page on another site that posts a form to the daemon.
    const crossSite = await rawRequest(api, 'POST', suspendPath(), {
      headers: {
        host: `127.0.0.1:${port}`,
        authorization: basic,
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'a=1',
    });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body)).toEqual({
      error: expect.stringMatching(/^cross-site request refused/),
    });
    // The same as a JSON call without browser headers: Basic is still not accepted on a write.
    const basicJson = await callApi(api, 'POST', suspendPath(), {
      headers: { authorization: basic },
      body: {},
    });
    expect(basicJson.status).toBe(401);
    expect(basicJson.headers.get('www-authenticate')).toBe('Bearer realm="spin"');
    expect(basicJson.body).toEqual({ error: expect.stringMatching(/HTTP Basic is refused/) });
    // Only Origin, no Sec-Fetch-Site (older browsers), even with the bearer token.
    const foreignOrigin = await callApi(api, 'POST', suspendPath(), {
      token: WRITE,
      headers: { origin: 'http://localhost:8080' },
      body: {},
    });
    expect(foreignOrigin.status).toBe(403);
    expect(await suspended()).toBe(false);
  });

  it('a write without a JSON content type is 415, one with a broken body 400, and neither suspends', async () => {
    for (const [type, body] of [
      ['text/plain', '{}'],
      ['application/x-www-form-urlencoded', 'commit=abc'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const res = await callApi(api, 'POST', suspendPath(), {
        token: WRITE,
        headers: { 'content-type': type },
        body,
      });
      expect(res.status, type).toBe(415);
      expect(res.body).toEqual({ error: expect.stringMatching(/Content-Type: application\/json/) });
    }
    const noBody = await callApi(api, 'POST', suspendPath(), { token: WRITE });
    expect(noBody.status).toBe(415);
    const notObject = await callApi(api, 'POST', suspendPath(), { token: WRITE, body: '[]' });
    expect(notObject.status).toBe(400);
    expect(notObject.body).toEqual({ error: 'the body must be a JSON object, at least {}' });
    expect(await suspended()).toBe(false);
  });

  it("the API's own origin and plain clients may write (bearer token, JSON body)", async () => {
    const own = await callApi<{ status: ProjectStatus }>(api, 'POST', suspendPath(), {
      token: WRITE,
      headers: { origin: api, 'sec-fetch-site': 'same-origin' },
      body: {},
    });
    expect(own.status).toBe(200);
    expect(own.body.status.suspended).toBe(true);
    const resumed = await callApi<{ status: ProjectStatus }>(
      api,
      'POST',
      `/api/v1/projects/${f.project}/resume`,
      {
        token: WRITE,
        body: {},
      },
    );
    expect(resumed.status).toBe(200);
    expect(await suspended()).toBe(false);
  });
});

describe('the Host check (DNS rebinding)', () => {
  it('refuses a foreign Host on reads, the dashboard, metrics and writes; probes stay open', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/projects'],
      ['GET', `/api/v1/projects/${f.project}`],
      ['GET', '/'],
      ['GET', '/metrics'],
      ['GET', '/no-such-page'],
      ['POST', `/api/v1/projects/${f.project}/suspend`],
    ] as const) {
      const res = await rawRequest(api, method, path, {
        headers: {
          host: `rebound.evil.example:${port}`,
          authorization: `Bearer ${method === 'GET' ? READ : WRITE}`,
          'content-type': 'application/json',
        },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(421);
      expect(JSON.parse(res.body)).toEqual({
        error: expect.stringMatching(/^Host 'rebound\.evil\.example:\d+' is not a name of this API/),
      });
    }
    expect(await suspended()).toBe(false);
    const probe = await rawRequest(api, 'GET', '/healthz', { headers: { host: 'anything.example' } });
    expect(probe.status).toBe(200);
  });

  it('accepts the loopback names with the right port, not with another', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const res = await rawRequest(api, 'GET', '/api/v1/projects', {
        headers: { host, authorization: `Bearer ${READ}` },
      });
      expect(res.status, host).toBe(200);
    }
    const otherPort = await rawRequest(api, 'GET', '/api/v1/projects', {
      headers: { host: `localhost:${Number(port) === 1 ? 2 : 1}`, authorization: `Bearer ${READ}` },
    });
    expect(otherPort.status).toBe(421);
  });
});

describe('the names configured in api.publicUrl and api.allowedHosts', () => {
  it('are accepted as Host (and publicUrl as Origin of a write); other names are not', async () => {
    const config = await writeConfig(path.join(f.tmp, 'names.yaml'), {
      stateDir: path.join(f.tmp, 'state-names'),
      api: {
        listen: '127.0.0.1:0',
        publicUrl: 'https://spin.example.test',
        allowedHosts: ['spin.lab.internal'],
        readToken: READ,
        writeToken: WRITE,
      },
      projects: [],
    });
    const daemon = await startDaemon(config);
    try {
      const get = (host: string) =>
        rawRequest(daemon.apiUrl, 'GET', '/api/v1/projects', {
          headers: { host, authorization: `Bearer ${READ}` },
        });
      expect((await get('spin.example.test')).status).toBe(200);
      expect((await get('spin.lab.internal:8443')).status).toBe(200);
      expect((await get('spin.example.test.evil.example')).status).toBe(421);
      expect((await get('lab.internal')).status).toBe(421);
      // Through a TLS proxy at publicUrl, the dashboard's own origin may write.
      const write = await rawRequest(daemon.apiUrl, 'POST', '/api/v1/projects/none-here/sync', {
        headers: {
          host: 'spin.example.test',
          origin: 'https://spin.example.test',
          'sec-fetch-site': 'same-origin',
          authorization: `Bearer ${WRITE}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      expect(write.status).toBe(404);
      expect(JSON.parse(write.body)).toEqual({ error: "unknown project 'none-here'" });
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });

  it('a daemon listening beyond loopback without them warns that only loopback names pass', async () => {
    const config = await writeConfig(path.join(f.tmp, 'wide.yaml'), {
      stateDir: path.join(f.tmp, 'state-wide'),
      api: { listen: '0.0.0.0:0', readToken: READ, writeToken: WRITE },
      projects: [],
    });
    const daemon = await startDaemon(config);
    try {
      const warning = await daemon.waitForLog(
        (l) => l.level === 40 && String(l.msg).includes('set api.publicUrl or api.allowedHosts'),
        'the Host check warning',
      );
      expect(String(warning.msg)).toContain('api.listen 0.0.0.0:0 is reachable from other machines');
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});

describe('webhooks', () => {
  const push = (marker = 'plain') =>
    JSON.stringify({
      ref: 'refs/heads/main',
      after: head,
      head_commit: { id: head, message: marker },
      repository: { clone_url: f.server.repoUrl(f.project) },
    });

  it('refuses a delivery without a signature header before reading its body', async () => {
    const endless = endlessPost(api, '/hooks/github', {
      'content-type': 'application/json',
      'x-github-event': 'push',
    });
    try {
      const res = await endless.response;
      // The body never ends: the answer cannot have waited for it.
      expect(res.status).toBe(401);
      expect(JSON.parse(await res.body)).toMatchObject({
        message: expect.stringMatching(/X-Hub-Signature-256/),
      });
    } finally {
      endless.destroy();
    }
  }, 60_000);

  it('refuses a large body with a bad signature', async () => {
    const body = JSON.stringify({ ...JSON.parse(push()), padding: 'y'.repeat(4 * 1024 * 1024) });
    const res = await rawRequest(api, 'POST', '/hooks/github', {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': sign(body, 'wrong'),
      },
      body,
    });
    expect(res.status).toBe(401);
    // A declared length over the cap is refused before reading, signed or not.
    const huge = await rawRequest(api, 'POST', '/hooks/github', {
      headers: {
        'x-github-event': 'push',
        'x-hub-signature-256': sign('x'),
        'content-length': String(6 * 1024 * 1024),
      },
    }).catch((err: unknown) => ({ status: -1, error: err }));
    expect(huge.status).toBe(413);
  }, 60_000);

  it('a signed body too large to parse makes the projects whose secret signed it poll', async () => {
    const body = JSON.stringify({ ...JSON.parse(push()), padding: 'z'.repeat(2 * 1024 * 1024) });
    const res = await rawRequest(api, 'POST', '/hooks/github', {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': sign(body),
      },
      body,
    });
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({
      message: expect.stringMatching(new RegExp(`over the \\d+ Spin parses: polling ${f.project}$`)),
      triggered: [f.project],
    });
  }, 60_000);

  it('answers a flood beyond the in-flight cap with 429 and Retry-After; a valid delivery works afterwards', async () => {
    const open: EndlessRequest[] = [];
    let refused: { status: number; headers: Record<string, unknown> } | undefined;
    try {
      // Deliveries that claim a signature and never finish their body each hold a slot.
      for (let i = 0; i < 40 && !refused; i++) {
        const endless = endlessPost(
          api,
          '/hooks/github',
          { 'x-github-event': 'push', 'x-hub-signature-256': sign(`flood ${i}`) },
          { everyMs: 200 },
        );
        open.push(endless);
        const first = await Promise.race([
          endless.response,
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 300)),
        ]);
        if (first) refused = first;
      }
      expect(refused?.status).toBe(429);
      expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      for (const endless of open) endless.destroy();
    }
    // The slots come back as the server sees the connections go.
    const body = push();
    const accepted = await waitFor(
      () =>
        rawRequest(api, 'POST', '/hooks/github', {
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-hub-signature-256': sign(body),
          },
          body,
        }),
      {
        until: (r) => r.status !== 429,
        timeoutMs: 30_000,
        intervalMs: 250,
        description: 'a delivery accepted after the flood',
      },
    );
    expect(accepted.status).toBe(202);
    expect(JSON.parse(accepted.body)).toMatchObject({ triggered: [f.project] });
  }, 120_000);

  it('logs each delivery (event, id, repository, projects, verdict) and never its body or the secret', async () => {
    const marker = `body-marker-${randomBytes(8).toString('hex')}`;
    const body = push(marker);
    const delivery = `delivery-${randomBytes(6).toString('hex')}`;
    const res = await rawRequest(api, 'POST', '/hooks/github', {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': delivery,
        'x-hub-signature-256': sign(body),
      },
      body,
    });
    expect(res.status).toBe(202);
    const refusedId = `delivery-${randomBytes(6).toString('hex')}`;
    const refused = await rawRequest(api, 'POST', '/hooks/gitlab', {
      headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': refusedId },
      body: marker,
    });
    expect(refused.status).toBe(401);

    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    const line = await daemon.waitForLog(
      (l) => l.msg === 'webhook delivery' && l.delivery === delivery,
      'the delivery line',
    );
    expect(line).toMatchObject({
      level: 30,
      provider: 'github',
      event: 'push',
      repository: f.server.repoUrl(f.project),
      projects: [f.project],
      status: 202,
      verdict: `reconciling ${f.project} (deploy)`,
    });
    const refusedLine = await daemon.waitForLog(
      (l) => l.msg === 'webhook delivery' && l.delivery === refusedId,
      'the refused delivery line',
    );
    expect(refusedLine).toMatchObject({
      level: 30,
      provider: 'gitlab',
      event: 'Push Hook',
      status: 401,
      projects: [],
    });
    const output = daemon.output();
    expect(output).not.toContain(marker);
    expect(output).not.toContain(SECRET);
  });
});
