import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubStatusProvider } from '../../src/forge/github.js';
import { GitLabStatusProvider } from '../../src/forge/gitlab.js';
import { StatusReporter, type DeliveryResult } from '../../src/forge/reporter.js';
import type { CommitStatus, StatusProvider } from '../../src/forge/types.js';
import type { Logger } from '../../src/util/logger.js';
import { waitFor } from '../helpers/docker.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { FakeForge, type Recorded } from '../helpers/fake-forge.js';

/**
 * The forge providers against a real HTTP server standing in for GitHub, Gitea and GitLab. The
 * server records every request verbatim, so the tests pin method, path, headers and body to what
 * each forge documents, and it answers whatever a test scripts (errors, echoes of the request).
 */
const SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const TOKEN = 'ghp_S3cr3tT0kenValue_do_not_leak_1234567890';
const env = { SPIN_TEST_FORGE_TOKEN: TOKEN };
const forge = new FakeForge();
let tmp: string;

beforeAll(async () => {
  tmp = await makeTempDir('forge-providers');
  await forge.start();
});
afterEach(() => forge.reset());
afterAll(async () => {
  await forge.stop();
  await removeTempDir(tmp);
});

const status = (over: Partial<CommitStatus> = {}): CommitStatus => ({
  commit: SHA,
  context: 'spin/gateway-a',
  state: 'success',
  description: 'converged: 2 services healthy',
  targetUrl: 'http://spin.example.org:7070/projects/gateway-a',
  ...over,
});

const github = () =>
  new GitHubStatusProvider({
    flavor: 'github',
    apiUrl: forge.url,
    repo: 'octo-org/gateway-a',
    tokenEnv: 'SPIN_TEST_FORGE_TOKEN',
    env,
  });
const gitea = () =>
  new GitHubStatusProvider({
    flavor: 'gitea',
    apiUrl: `${forge.url}/api/v1/`,
    repo: 'science/gateway-a',
    tokenEnv: 'SPIN_TEST_FORGE_TOKEN',
    env,
  });
const gitlab = () =>
  new GitLabStatusProvider({
    apiUrl: `${forge.url}/api/v4`,
    project: 'science/gateways/gateway-a',
    tokenEnv: 'SPIN_TEST_FORGE_TOKEN',
    env,
  });

describe('GitHub: POST /repos/{owner}/{repo}/statuses/{sha}', () => {
  it('sends the documented request', async () => {
    await github().post(status());
    expect(forge.requests).toHaveLength(1);
    const [req] = forge.requests as [Recorded];
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/repos/octo-org/gateway-a/statuses/${SHA}`);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers.accept).toBe('application/vnd.github+json');
    expect(req.headers['x-github-api-version']).toBe('2022-11-28');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBeTruthy();
    expect(req.body).toEqual({
      state: 'success',
      target_url: 'http://spin.example.org:7070/projects/gateway-a',
      description: 'converged: 2 services healthy',
      context: 'spin/gateway-a',
    });
  });

  it('passes the four states through unchanged and leaves out a missing target URL', async () => {
    for (const state of ['pending', 'success', 'failure', 'error'] as const) {
      await github().post(status({ state, targetUrl: undefined }));
    }
    expect(forge.requests.map((r) => r.body)).toEqual(
      ['pending', 'success', 'failure', 'error'].map((state) => ({
        state,
        description: 'converged: 2 services healthy',
        context: 'spin/gateway-a',
      })),
    );
  });

  it('cuts the description to 140 characters on a word boundary', async () => {
    const long =
      'refused: policy rule no-privileged: service worker sets privileged: true, which this centre does not allow; ' +
      'remove it or ask an operator for an exception to the policy';
    await github().post(status({ state: 'failure', description: long }));
    const sent = (forge.requests[0]?.body as { description: string }).description;
    expect(Array.from(sent).length).toBeLessThanOrEqual(140);
    expect(sent.endsWith('…')).toBe(true);
    expect(long.startsWith(sent.slice(0, -1))).toBe(true);
    expect(long.charAt(sent.length - 1)).toBe(' ');
  });
});

describe('Gitea/Forgejo: the same API with its token scheme', () => {
  it('sends the documented request', async () => {
    await gitea().post(status({ state: 'pending', description: 'deploying' }));
    const [req] = forge.requests as [Recorded];
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/api/v1/repos/science/gateway-a/statuses/${SHA}`);
    expect(req.headers.authorization).toBe(`token ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-github-api-version']).toBeUndefined();
    expect(req.body).toEqual({
      state: 'pending',
      target_url: 'http://spin.example.org:7070/projects/gateway-a',
      description: 'deploying',
      context: 'spin/gateway-a',
    });
  });
});

describe('GitLab: POST /projects/{id}/statuses/{sha}', () => {
  it('sends the documented request with the project path URL-encoded', async () => {
    await gitlab().post(status());
    const [req] = forge.requests as [Recorded];
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/api/v4/projects/science%2Fgateways%2Fgateway-a/statuses/${SHA}`);
    expect(req.headers['private-token']).toBe(TOKEN);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({
      state: 'success',
      name: 'spin/gateway-a',
      target_url: 'http://spin.example.org:7070/projects/gateway-a',
      description: 'converged: 2 services healthy',
    });
  });

  it("maps Spin's states to GitLab's", async () => {
    for (const state of ['pending', 'success', 'failure', 'error'] as const)
      await gitlab().post(status({ state }));
    expect(forge.requests.map((r) => (r.body as { state: string }).state)).toEqual([
      'running',
      'success',
      'failed',
      'failed',
    ]);
  });

  it('treats "cannot transition" (the state it already has) as delivered', async () => {
    forge.script.push({ status: 400, body: '{"message":"Cannot transition status via :run from :running"}' });
    await expect(gitlab().post(status({ state: 'pending' }))).resolves.toBeUndefined();
  });
});

describe('errors never carry the token', () => {
  it('keeps it out of a 401 that echoes the request headers', async () => {
    forge.script.push({ status: 401, body: '{"message":"Bad credentials","request":$HEADERS}' });
    const err = (await github()
      .post(status())
      .catch((e: unknown) => e)) as Error & { retryable: boolean; httpStatus: number };
    expect(err.message).toContain('401');
    expect(err.message).not.toContain(TOKEN);
    expect(err.stack ?? '').not.toContain(TOKEN);
    expect(err.retryable).toBe(false);
    expect(err.httpStatus).toBe(401);
  });

  it('keeps it out of a connection error, which is retryable', async () => {
    const provider = new GitLabStatusProvider({
      apiUrl: 'http://127.0.0.1:1/api/v4',
      project: '42',
      tokenEnv: 'SPIN_TEST_FORGE_TOKEN',
      env,
    });
    const err = (await provider.post(status()).catch((e: unknown) => e)) as Error & { retryable: boolean };
    expect(err.message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(err.message).not.toContain(TOKEN);
    expect(err.retryable).toBe(true);
  });
});

describe('StatusReporter', () => {
  function capture(): { logger: Logger; text: () => string } {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    return { logger: pino<never>({ level: 'debug' }, stream), text: () => lines.join('') };
  }

  function reporter(
    provider: StatusProvider,
    stateDir: string,
    extra: {
      onDelivery?: (r: DeliveryResult) => void;
      logger?: Logger;
      maxAttempts?: number;
    } = {},
  ): StatusReporter {
    return new StatusReporter({
      project: 'gateway-a',
      provider,
      stateDir,
      baseDelayMs: 20,
      maxDelayMs: 100,
      ...extra,
    });
  }

  it('never posts the same state and description twice, also across restarts', async () => {
    const stateDir = path.join(tmp, 'dedupe');
    const first = reporter(github(), stateDir);
    first.report(status({ state: 'pending', description: 'deploying' }));
    first.report(status({ state: 'pending', description: 'deploying' }));
    await first.flush();
    expect(forge.requests).toHaveLength(1);

    first.report(status({ state: 'pending', description: 'deploying' }));
    await first.flush();
    expect(forge.requests).toHaveLength(1);

    first.report(status({ state: 'pending', description: 'deploying: pulling images' }));
    await first.flush();
    expect(forge.requests).toHaveLength(2);

    // A restarted daemon: a new reporter over the same state directory.
    const second = reporter(github(), stateDir);
    second.report(status({ state: 'pending', description: 'deploying: pulling images' }));
    await second.flush();
    expect(forge.requests).toHaveLength(2);

    second.report(status({ state: 'success', description: 'converged' }));
    second.report(status({ context: 'spin/gateway-a/validate', state: 'success', description: 'converged' }));
    await second.flush();
    expect(forge.requests.map((r) => (r.body as { state: string; context: string }).context)).toEqual([
      'spin/gateway-a',
      'spin/gateway-a',
      'spin/gateway-a',
      'spin/gateway-a/validate',
    ]);
  });

  it('posts only the latest of statuses for one commit queued behind a slow delivery', async () => {
    const rep = reporter(gitlab(), path.join(tmp, 'coalesce'));
    rep.report(status({ commit: 'a'.repeat(40), state: 'pending', description: 'deploying' }));
    rep.report(status({ state: 'pending', description: 'deploying' }));
    rep.report(status({ state: 'success', description: 'converged' }));
    await rep.flush();
    expect(forge.requests.map((r) => (r.body as { state: string }).state)).toEqual(['running', 'success']);
  });

  it('retries with backoff after a 500 and then succeeds', async () => {
    forge.script.push({ status: 500, body: 'boom' }, { status: 502, body: 'bad gateway' });
    const results: DeliveryResult[] = [];
    const rep = reporter(gitea(), path.join(tmp, 'retry'), { onDelivery: (r) => results.push(r) });
    const started = Date.now();
    rep.report(status());
    await rep.flush();
    expect(forge.requests).toHaveLength(3);
    expect(results).toEqual(['retry', 'retry', 'ok']);
    // Two waits: at least half of 20 ms and half of 40 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
  });

  it('gives up after maxAttempts and at once on a 4xx, and reports both', async () => {
    forge.script.push({ status: 503 }, { status: 503 }, { status: 503 }, { status: 404, body: '{}' });
    const results: DeliveryResult[] = [];
    const rep = reporter(github(), path.join(tmp, 'give-up'), {
      onDelivery: (r) => results.push(r),
      maxAttempts: 3,
    });
    rep.report(status({ description: 'first' }));
    rep.report(status({ commit: 'b'.repeat(40), description: 'second' }));
    await rep.flush();
    expect(forge.requests).toHaveLength(4);
    expect(results).toEqual(['retry', 'retry', 'failed', 'failed']);
    // Not delivered, so not remembered: the same status is tried again later.
    rep.report(status({ description: 'first' }));
    await rep.flush();
    expect(forge.requests).toHaveLength(5);
  });

  it('returns at once from report() while the forge is slow', async () => {
    // The forge answers only when the test lets it: report() must return before that (a
    // duration bound would depend on the machine's load; this does not).
    let answer: (() => void) | undefined;
    let posts = 0;
    const slow: StatusProvider = {
      name: 'slow',
      post: () =>
        new Promise<void>((resolve) => {
          posts++;
          answer = resolve;
        }),
    };
    const rep = reporter(slow, path.join(tmp, 'slow'));
    rep.report(status());
    await waitFor(() => posts, { until: (n) => n === 1, description: 'the post started' });
    expect(answer).toBeDefined();
    answer?.();
    await rep.flush();
  });

  it('logs failures without the token', async () => {
    forge.script.push(
      { status: 500, body: '{"echo":$HEADERS}' },
      { status: 403, body: '{"message":"forbidden","echo":$HEADERS}' },
    );
    const { logger, text } = capture();
    const rep = reporter(github(), path.join(tmp, 'logs'), { logger });
    rep.report(status());
    await rep.flush();
    const logged = text();
    expect(logged).toContain('will retry');
    expect(logged).toContain('giving up');
    expect(logged).toContain('403');
    expect(logged).not.toContain(TOKEN);
  });
});
