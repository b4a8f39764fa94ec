import { createHmac, randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callApi } from '../helpers/api-client.js';
import { waitFor } from '../helpers/docker.js';
import { projectFixture, sleeperStack, type ProjectFixture } from '../helpers/project-fixture.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

/**
 * Issue #17, rotation without a restart: the real `spin daemon` re-reads api.readTokenFile when
 * it changes; the new token works at once, the old one keeps working for api.tokenOverlap and
 * is refused after it. (The window starts when the daemon first sees the change, on a request.)
 */
const token = (tag: string) => `${tag}-${randomBytes(16).toString('hex')}`;
const OLD = token('old');
const NEW = token('new');
// Long enough that two back-to-back requests on a loaded machine fall inside it.
const OVERLAP_S = 15;

let f: ProjectFixture;
let dir: string;
let tokenFile: string;
let hookFile: string;
const OLD_HOOK = token('oldhook');
const NEW_HOOK = token('newhook');
let api: string;

/** A signed GitHub ping: 401 unless the signature verifies with one of the project's secrets. */
const hook = async (secret: string) => {
  const body = JSON.stringify({ zen: 'rotate', hook_id: 1 });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await callApi(api, 'POST', '/hooks/github', {
    body,
    headers: { 'x-github-event': 'ping', 'x-hub-signature-256': signature },
  });
  return res.status;
};
const status = async (t: string) => (await callApi(api, 'GET', '/api/v1/projects', { token: t })).status;

beforeAll(async () => {
  dir = await makeTempDir('tokrot');
  tokenFile = path.join(dir, 'read.token');
  await writeFile(tokenFile, `${OLD}\n`, { mode: 0o600 });
  hookFile = path.join(dir, 'hook.secret');
  await writeFile(hookFile, `${OLD_HOOK}\n`, { mode: 0o600 });
  f = await projectFixture('tokrot', {
    pollInterval: '1h',
    project: { webhookSecretFile: hookFile },
    config: {
      api: { readTokenFile: tokenFile, tokenOverlap: `${OVERLAP_S}s` },
      resyncSchedule: '0 0 1 1 *',
    },
  });
  await f.push({ 'compose.yaml': sleeperStack(['app']) }, 'one sleeper');
  api = (await f.startDaemon()).apiUrl;
});

afterAll(async () => {
  await f?.cleanup();
  if (dir) await removeTempDir(dir);
});

it('a changed token file takes effect without a restart; the old token works only during the overlap', async () => {
  expect(await status(OLD)).toBe(200);
  expect(await status(NEW)).toBe(401);
  expect(await status('')).toBe(401);

  // Replaced the way an operator's script would: write beside, rename over.
  await writeFile(`${tokenFile}.tmp`, `${NEW}\n`, { mode: 0o600 });
  await rename(`${tokenFile}.tmp`, tokenFile);

  expect(await status(NEW)).toBe(200);
  expect(await status(OLD)).toBe(200);
  await waitFor(async () => (await status(OLD)) === 401, {
    timeoutMs: (OVERLAP_S + 60) * 1000,
    description: 'old token refused after the overlap',
  });
  expect(await status(NEW)).toBe(200);
  // Same daemon throughout: no restart was needed. The change is logged, never a token.
  expect(f.daemon?.child.exitCode ?? null).toBeNull();
  await f.daemon?.waitForLog((l) => l.file === tokenFile, 'token file change logged');
  expect(f.daemon?.output()).not.toContain(OLD);
  expect(f.daemon?.output()).not.toContain(NEW);
});

it('a changed webhook secret file verifies deliveries with the new secret, the old one only during the overlap', async () => {
  expect(await hook(OLD_HOOK)).not.toBe(401);
  expect(await hook(NEW_HOOK)).toBe(401);

  await writeFile(`${hookFile}.tmp`, `${NEW_HOOK}\n`, { mode: 0o600 });
  await rename(`${hookFile}.tmp`, hookFile);

  expect(await hook(NEW_HOOK)).not.toBe(401);
  expect(await hook(OLD_HOOK)).not.toBe(401);
  await waitFor(async () => (await hook(OLD_HOOK)) === 401, {
    timeoutMs: (OVERLAP_S + 60) * 1000,
    description: 'old webhook secret refused after the overlap',
  });
  expect(await hook(NEW_HOOK)).not.toBe(401);
  expect(f.daemon?.output()).not.toContain(OLD_HOOK);
  expect(f.daemon?.output()).not.toContain(NEW_HOOK);
});
