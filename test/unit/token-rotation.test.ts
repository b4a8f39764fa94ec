import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkAuth } from '../../src/api/auth.js';
import { parseConfig } from '../../src/config/load.js';
import { TokenFile } from '../../src/api/token-file.js';
import { acceptedTokens, rotate } from '../../src/api/token-window.js';
import { routeWebhook, type WebhookProject } from '../../src/webhooks/route.js';
import { githubPush } from './webhooks/payloads.js';

const OLD = 'old-token-0123456789';
const NEW = 'new-token-0123456789';

describe('token window (pure, fake clock)', () => {
  it('accepts the previous token until the overlap ends, then only the new one', () => {
    const first = rotate({}, OLD, 0, 1000);
    expect(acceptedTokens(first, 0)).toEqual([OLD]);
    const second = rotate(first, NEW, 10_000, 1000);
    expect(acceptedTokens(second, 10_000)).toEqual([NEW, OLD]);
    expect(acceptedTokens(second, 10_999)).toEqual([NEW, OLD]);
    expect(acceptedTokens(second, 11_000)).toEqual([NEW]);
  });

  it('keeps the last token when the file is emptied or unreadable, and ignores a same-text rewrite', () => {
    const w = rotate({}, OLD, 0, 1000);
    expect(rotate(w, undefined, 5, 1000)).toBe(w);
    expect(rotate(w, '  ', 5, 1000)).toBe(w);
    expect(rotate(w, OLD, 5, 1000)).toBe(w);
  });

  it('a zero overlap drops the previous token at once', () => {
    expect(acceptedTokens(rotate(rotate({}, OLD, 0, 0), NEW, 1, 0), 1)).toEqual([NEW]);
  });

  it('a second rotation within the window replaces the previous token, not adds to it', () => {
    const w = rotate(rotate(rotate({}, OLD, 0, 1000), NEW, 10, 1000), 'third-token-0123456789', 20, 1000);
    expect(acceptedTokens(w, 20)).toEqual(['third-token-0123456789', NEW]);
  });
});

describe('TokenFile (real files, fake clock)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('re-reads the file when it changes (also by rename-over) and applies the overlap', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'spin-token-'));
    const file = path.join(dir, 'write.token');
    writeFileSync(file, `${OLD}\n`);
    let now = 1_000;
    const events: string[] = [];
    const tokens = new TokenFile(file, {
      overlapMs: 500,
      now: () => now,
      onEvent: (e) => events.push(e.kind),
    });
    expect(tokens.tokens()).toEqual([OLD]);
    writeFileSync(`${file}.tmp`, `${NEW}\n`);
    renameSync(`${file}.tmp`, file);
    expect(tokens.tokens()).toEqual([NEW, OLD]);
    expect(events).toEqual(['rotated']);
    now += 500;
    expect(tokens.tokens()).toEqual([NEW]);
    rmSync(file);
    expect(tokens.tokens()).toEqual([NEW]);
    expect(events).toEqual(['rotated', 'unreadable']);
  });
});

describe('checkAuth with several tokens', () => {
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  it('accepts any listed write token and refuses others', () => {
    const tokens = { write: [NEW, OLD] };
    expect(checkAuth(bearer(NEW), 'write', tokens).ok).toBe(true);
    expect(checkAuth(bearer(OLD), 'write', tokens).ok).toBe(true);
    expect(checkAuth(bearer('other-token-012345'), 'write', tokens)).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(checkAuth(bearer(OLD), 'write', { write: [NEW] })).toMatchObject({ ok: false, status: 401 });
  });
  it('an empty list is no token: writes disabled', () => {
    expect(checkAuth(bearer(NEW), 'write', { write: [] })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('webhook secrets during the overlap', () => {
  const project: WebhookProject = {
    name: 'gateway-a',
    repoUrl: 'https://github.com/octo-org/gateway-a.git',
    branch: 'main',
    secret: 'new-hook-secret',
    previousSecret: 'old-hook-secret',
  };
  const delivery = (secret: string, projects: WebhookProject[]) => {
    const rawBody = Buffer.from(JSON.stringify(githubPush));
    const signature = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
    return {
      provider: 'github' as const,
      rawBody,
      headers: {
        'x-github-event': 'push',
        'x-hub-signature-256': signature,
        'content-type': 'application/json',
      },
      projects,
    };
  };

  it('a delivery signed with the current or the previous secret is accepted; others are refused', () => {
    expect(routeWebhook(delivery('new-hook-secret', [project])).status).toBe(202);
    expect(routeWebhook(delivery('old-hook-secret', [project])).status).toBe(202);
    expect(routeWebhook(delivery('other-secret', [project])).status).toBe(401);
    const afterOverlap = { ...project, previousSecret: undefined };
    expect(routeWebhook(delivery('old-hook-secret', [afterOverlap])).status).toBe(401);
  });
});

describe('api.tokenOverlap in the config', () => {
  const load = (api: string) => parseConfig('spin.yaml', `api:\n${api}\nprojects: []\n`);
  it('defaults to 5 minutes and takes a duration', () => {
    const byDefault = load('  listen: 127.0.0.1:7070');
    const set = load('  tokenOverlap: 30s');
    if (!byDefault.ok || !set.ok) throw new Error('config refused');
    expect(byDefault.config.api.tokenOverlapMs).toBe(300_000);
    expect(set.config.api.tokenOverlapMs).toBe(30_000);
  });
  it('refuses a value that is not a duration, located', () => {
    const bad = load('  tokenOverlap: soon');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.diagnostics[0]).toMatchObject({ line: 2 });
  });
});
