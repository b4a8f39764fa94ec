import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { waitFor } from '../helpers/docker.js';
import { FakeForge } from '../helpers/fake-forge.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';
import { parseExposition, sampleValue } from '../unit/metrics/exposition.js';
import type { PassRecord } from '../../src/store/types.js';

/**
 * Issue 17's observability on a real daemon (real dockerd, git server, `spin` binary): the version
 * from package.json, the metric names stock dashboards expect and the new spin_ metrics, errors
 * logged with type and stack but no secret, and the pass id tying log lines, history rows and
 * commit statuses together.
 */
const READ = 'obs-read-token-0a1b2c3d4e5f6a7b';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const forge = new FakeForge();
const tokenEnv = 'SPIN_OBS_GITHUB_TOKEN';
const token = `ghp_${randomBytes(18).toString('hex')}`;
let f: ProjectFixture;
let api: string;
let sha: string;

const logs = () => f.daemon?.logs ?? [];
const scrape = async () => {
  const res = await callApi(api, 'GET', '/metrics', { token: READ });
  expect(res.status).toBe(200);
  return parseExposition(res.text);
};
const history = async () =>
  (
    await callApi<{ passes: PassRecord[] }>(api, 'GET', `/api/v1/projects/${f.project}/history?limit=100`, {
      token: READ,
    })
  ).body.passes;

beforeAll(async () => {
  await forge.start();
  // The first status delivery is refused with a body that echoes the request headers (the
  // bearer token among them): the error is logged, and must not carry the token.
  forge.script.push({ status: 422, body: '{"message":"Validation Failed","request":$HEADERS}' });
  f = await projectFixture('obs', {
    project: { status: { provider: 'github', apiUrl: forge.url, repo: 'octo-org/obs', tokenEnv } },
    config: { api: { readToken: READ } },
  });
  process.env[tokenEnv] = token;
  sha = await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
  api = (await f.startDaemon()).apiUrl;
  await f.waitStatus((s) => s.appliedCommit === sha && s.health === 'Healthy', 'deployed and healthy');
});

afterAll(async () => {
  await f?.cleanup();
  await forge.stop();
  delete process.env[tokenEnv];
});

describe('version', () => {
  it('spin --version, spin version and the API report package.json', async () => {
    const flag = await runSpin(['--version']);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout.trim()).toBe(pkg.version);
    const command = await runSpin(['version', '--json']);
    expect(command.code, command.stderr).toBe(0);
    const info = JSON.parse(command.stdout) as { version: string; revision: string };
    expect(info.version).toBe(pkg.version);
    expect(info.revision).toMatch(/^([0-9a-f]{7,64}|unknown)$/);
    const res = await callApi<{ version: string; revision: string }>(api, 'GET', '/api/v1/version', {
      token: READ,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(info);
  });
});

describe('metrics', () => {
  it('process metrics carry the standard names; build info, engine and pass queue are spin_', async () => {
    const families = await scrape();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_total_bytes',
    ])
      expect(families.has(name), name).toBe(true);
    expect([...families.keys()].filter((n) => /^spin_(process|nodejs)_/.test(n))).toEqual([]);
    const info = JSON.parse((await runSpin(['version', '--json'])).stdout) as {
      version: string;
      revision: string;
    };
    expect(sampleValue(families, 'spin_build_info', { version: pkg.version, revision: info.revision })).toBe(
      1,
    );
    // The daemon has listed the engine (the stack is running), so the engine is up.
    expect(sampleValue(families, 'spin_engine_up', { engine: 'default' })).toBe(1);
    // How many passes wait or run depends on timing: only that they are numbers at or above 0.
    expect(sampleValue(families, 'spin_pass_queue_due', {})).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'spin_passes_running', {})).toBeGreaterThanOrEqual(0);
  });

  it('counts webhook deliveries by outcome', async () => {
    const unauthenticated = async () =>
      sampleValue(await scrape(), 'spin_webhook_requests_total', { outcome: 'unauthenticated' }) ?? -1;
    const before = await unauthenticated();
    expect(before).toBeGreaterThanOrEqual(0);
    const res = await fetch(`${api}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await unauthenticated()).toBe(before + 1);
  });
});

describe('pass id', () => {
  it('ties the log lines, the history row and the commit status of a pass together', async () => {
    const rows = await history();
    const applied = rows.find((r) => r.result === 'applied' && r.commit === sha);
    expect(applied?.passId).toMatch(/^[0-9a-f]{8}$/);
    const id = applied?.passId ?? '';
    // The pass's own log line (and its action lines) carry the same id.
    const lines = logs().filter((l) => l.pass === id);
    expect(lines.map((l) => l.msg)).toContain('reconcile pass');
    expect(lines.every((l) => l.project === f.project)).toBe(true);
    // `spin history` shows it beside the commit.
    const cli = await runSpin(['history', f.project, '--limit', '100', '--server', api, '--token', READ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.split('\n')[0]).toMatch(/^WHEN\s+PASS\s+COMMIT/);
    expect(cli.stdout).toMatch(new RegExp(`\\s${id}\\s+${sha.slice(0, 12)}\\s+applied`));
    // The pending status posted when that pass started deploying links to it.
    await waitFor(() => forge.requests.map((r) => r.body as { state?: string; target_url?: string }), {
      until: (bodies) => bodies.some((b) => b.state === 'pending'),
      description: 'pending status posted',
    });
    const pending = forge.requests
      .map((r) => r.body as { state?: string; target_url?: string })
      .find((b) => b.state === 'pending');
    expect(pending?.target_url).toMatch(new RegExp(`/projects/${f.project}\\?pass=${id}$`));
  });
});

describe('error logs', () => {
  it('a logged error is an object with type, message and stack, and no secret', async () => {
    const line = await waitFor(() => logs().find((l) => l.msg === 'commit status not delivered; giving up'), {
      until: (l) => l !== undefined,
      description: 'the refused delivery logged',
    });
    const err = line?.err as { type?: unknown; message?: unknown; stack?: unknown };
    expect(err.type).toBe('StatusDeliveryError');
    expect(err.message).toMatch(/answered 422/);
    expect(String(err.stack)).toMatch(/^StatusDeliveryError: .*\n\s+at /);
    const output = f.daemon?.output() ?? '';
    expect(output).not.toContain(token);
    expect(output).not.toContain(READ);
  });
});
