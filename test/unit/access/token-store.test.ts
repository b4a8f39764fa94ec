import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenRegistry } from '../../../src/access/token-registry.js';
import { parseTokenRecords, TokenStoreError } from '../../../src/access/token-records.js';
import { hashToken } from '../../../src/access/token-secret.js';
import {
  createToken,
  readTokenRecords,
  revokeToken,
  tokenStoreFile,
} from '../../../src/access/token-store.js';
import { authenticate } from '../../../src/api/auth.js';
import { scopedTokens } from '../../../src/api/scoped-tokens.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('access');
});
afterEach(() => removeTempDir(dir));

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('the token store', () => {
  it('keeps only the hash, in a 0600 file, and lists what ls shows', async () => {
    const { token, record } = await createToken(dir, { projects: ['a'], role: 'operate', name: 'ci' });
    expect(token).toMatch(/^spin_[A-Za-z0-9_-]{43}$/);
    const text = await readFile(tokenStoreFile(dir), 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(hashToken(token));
    expect((await stat(tokenStoreFile(dir))).mode & 0o777).toBe(0o600);
    expect(await readTokenRecords(dir)).toEqual([record]);
    await expect(createToken(dir, { projects: ['b'], role: 'read', name: 'ci' })).rejects.toThrow(
      /a token named 'ci' exists already/,
    );
    await expect(createToken(dir, { projects: ['a'], role: 'admin' })).rejects.toThrow(TokenStoreError);
  });

  it('revokes by id or unique name', async () => {
    const one = await createToken(dir, { projects: ['a'], role: 'read', name: 'one' });
    const two = await createToken(dir, { projects: ['b'], role: 'read' });
    expect((await revokeToken(dir, 'one'))?.id).toBe(one.record.id);
    expect((await revokeToken(dir, two.record.id))?.id).toBe(two.record.id);
    expect(await revokeToken(dir, 'one')).toBeUndefined();
    expect(await readTokenRecords(dir)).toEqual([]);
  });

  it('refuses a malformed store file by saying which entry is wrong', () => {
    const ok = { id: 'abcdef', hash: 'a'.repeat(64), projects: ['a'], role: 'read', createdAt: 'x' };
    expect(() => parseTokenRecords(JSON.stringify({ version: 1, tokens: [ok] }), 'f')).not.toThrow();
    expect(() =>
      parseTokenRecords(JSON.stringify({ version: 1, tokens: [{ ...ok, role: 'root' }] }), 'f'),
    ).toThrow(/f: token 1: role must be/);
    expect(() => parseTokenRecords('{', 'f')).toThrow(/not valid JSON/);
  });
});

describe('the registry the daemon asks on every request', () => {
  it('sees new and revoked tokens at the next lookup, and refuses expired ones', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    const registry = new TokenRegistry(dir, { now: () => now });
    expect(registry.any()).toBe(false);
    const { token, record } = await createToken(dir, {
      projects: ['a'],
      role: 'operate',
      expiresAt: '2026-12-02T00:00:00.000Z',
    });
    expect(registry.find(token)).toEqual({
      principal: { label: `token ${record.id}`, grants: [{ projects: ['a'], role: 'operate' }] },
    });
    expect(registry.find(`${token}x`)).toBeUndefined();
    now = Date.parse('2026-12-02T00:00:01Z');
    expect(registry.find(token)).toMatchObject({ expired: '2026-12-02T00:00:00.000Z' });
    await revokeToken(dir, record.id);
    expect(registry.find(token)).toBeUndefined();
  });

  it('fails closed on a store it cannot parse', async () => {
    const events: string[] = [];
    const registry = new TokenRegistry(dir, { onEvent: (e) => events.push(e.kind) });
    const { token } = await createToken(dir, { projects: ['a'], role: 'read' });
    expect(registry.find(token)).toBeDefined();
    await writeFile(tokenStoreFile(dir), '{"version": 1, "tokens": [');
    expect(registry.find(token)).toBeUndefined();
    expect(events).toEqual(['loaded', 'unreadable']);
  });
});

describe('authenticate with per-project tokens', () => {
  it('closes anonymous reads once a token is issued, and keeps the daemon-wide tokens', async () => {
    const scoped = scopedTokens(new TokenRegistry(dir), []);
    expect(authenticate({}, false, {}, { scoped })).toMatchObject({
      ok: true,
      principal: { label: 'anonymous' },
    });
    const { token } = await createToken(dir, { projects: ['a'], role: 'read' });
    expect(authenticate({}, false, {}, { scoped })).toMatchObject({ ok: false, status: 401 });
    expect(authenticate(bearer(token), false, {}, { scoped })).toMatchObject({
      ok: true,
      principal: { grants: [{ projects: ['a'], role: 'read' }] },
    });
    const legacy = { read: 'r'.repeat(20), write: 'w'.repeat(20) };
    expect(authenticate(bearer(legacy.write), true, legacy, { scoped })).toMatchObject({
      principal: { label: 'write token', grants: [{ projects: ['*'], role: 'admin' }] },
    });
    expect(authenticate(bearer('nope'), false, legacy, { scoped })).toMatchObject({ status: 401 });
  });

  it('enables writes for an operate token even without api.writeToken', async () => {
    const scoped = scopedTokens(new TokenRegistry(dir), []);
    expect(authenticate(bearer('x'), true, {}, { scoped })).toMatchObject({ status: 403 });
    const { token } = await createToken(dir, { projects: ['a'], role: 'operate' });
    expect(authenticate(bearer(token), true, {}, { scoped })).toMatchObject({ ok: true });
  });
});
