import { describe, expect, it } from 'vitest';
import {
  assertSafeListen,
  checkAuth,
  isLoopback,
  listenHost,
  WRITE_DISABLED,
  type ApiTokens,
} from '../../src/api/auth.js';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-abcdefghij';
const both: ApiTokens = { read: READ, write: WRITE };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, token: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`,
});

describe('checkAuth: reads', () => {
  it('are open when no read token is configured, with or without a write token', () => {
    expect(checkAuth({}, 'read', {})).toEqual({ ok: true });
    expect(checkAuth({}, 'read', { write: WRITE })).toEqual({ ok: true });
    expect(checkAuth(bearer('anything'), 'read', { write: WRITE })).toEqual({ ok: true });
  });

  it('accept the read token and the write token', () => {
    expect(checkAuth(bearer(READ), 'read', both)).toEqual({ ok: true });
    expect(checkAuth(bearer(WRITE), 'read', both)).toEqual({ ok: true });
    expect(checkAuth(bearer(READ), 'read', { read: READ })).toEqual({ ok: true });
  });

  it('refuse a missing header with 401 and a Bearer challenge', () => {
    expect(checkAuth({}, 'read', both)).toEqual({
      ok: false,
      status: 401,
      error: expect.stringMatching(/missing bearer token/),
      headers: { 'www-authenticate': 'Bearer realm="spin"' },
    });
  });

  it('refuse a wrong token with 401 invalid_token', () => {
    const result = checkAuth(bearer('nope'), 'read', both);
    expect(result).toMatchObject({ ok: false, status: 401, error: 'invalid token' });
    expect(result.ok || result.headers['www-authenticate']).toBe(
      'Bearer realm="spin", error="invalid_token"',
    );
  });

  it('refuse a token that is only a prefix or differs in length', () => {
    expect(checkAuth(bearer(READ.slice(0, -1)), 'read', both)).toMatchObject({ status: 401 });
    expect(checkAuth(bearer(`${READ}x`), 'read', both)).toMatchObject({ status: 401 });
  });

  it('treat a header in another scheme, or an empty bearer, as missing', () => {
    expect(checkAuth({ authorization: `Token ${READ}` }, 'read', both)).toMatchObject({ status: 401 });
    expect(checkAuth({ authorization: 'Bearer ' }, 'read', both)).toMatchObject({ status: 401 });
    expect(checkAuth({ authorization: '' }, 'read', both)).toMatchObject({ status: 401 });
  });
});

describe('checkAuth: writes', () => {
  it('are disabled (403) when no write token is configured, whatever is sent', () => {
    for (const headers of [{}, bearer(READ), bearer('')]) {
      expect(checkAuth(headers, 'write', { read: READ })).toEqual({
        ok: false,
        status: 403,
        error: WRITE_DISABLED,
        headers: {},
      });
    }
    expect(WRITE_DISABLED).toBe('write API disabled: configure api.writeToken');
    expect(checkAuth({}, 'write', {})).toMatchObject({ status: 403 });
  });

  it('accept the write token', () => {
    expect(checkAuth(bearer(WRITE), 'write', both)).toEqual({ ok: true });
    expect(checkAuth(bearer(WRITE), 'write', { write: WRITE })).toEqual({ ok: true });
  });

  it('refuse a missing header with 401 and WWW-Authenticate: Bearer', () => {
    expect(checkAuth({}, 'write', both)).toMatchObject({
      ok: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="spin"' },
    });
  });

  it('refuse a wrong token with 401', () => {
    expect(checkAuth(bearer('nope'), 'write', both)).toMatchObject({
      ok: false,
      status: 401,
      error: 'invalid token',
    });
  });

  it('refuse the read-only token with 403 insufficient_scope', () => {
    expect(checkAuth(bearer(READ), 'write', both)).toEqual({
      ok: false,
      status: 403,
      error: expect.stringMatching(/read-only/),
      headers: { 'www-authenticate': 'Bearer realm="spin", error="insufficient_scope"' },
    });
  });

  it('accept a token configured as both read and write', () => {
    expect(checkAuth(bearer(WRITE), 'write', { read: WRITE, write: WRITE })).toEqual({ ok: true });
  });
});

describe('checkAuth: details', () => {
  it('treats empty or blank configured tokens as not configured', () => {
    expect(checkAuth({}, 'read', { read: '', write: '  ' })).toEqual({ ok: true });
    expect(checkAuth(bearer(''), 'write', { write: '' })).toMatchObject({
      status: 403,
      error: WRITE_DISABLED,
    });
  });

  it('reads the scheme case-insensitively and ignores surrounding spaces', () => {
    expect(checkAuth({ authorization: `  bearer   ${WRITE}  ` }, 'write', both)).toEqual({ ok: true });
  });

  it('uses the first value when the header arrives as an array', () => {
    expect(checkAuth({ authorization: [`Bearer ${WRITE}`, 'Bearer x'] } as never, 'write', both)).toEqual({
      ok: true,
    });
  });

  it('accepts Basic credentials with the token as password on reads, for browsers', () => {
    expect(checkAuth(basic('operator', READ), 'read', both)).toEqual({ ok: true });
    expect(checkAuth(basic('', WRITE), 'read', both)).toEqual({ ok: true });
    expect(checkAuth(basic('operator', 'nope'), 'read', both)).toMatchObject({ status: 401 });
    expect(
      checkAuth({ authorization: `Basic ${Buffer.from(READ).toString('base64')}` }, 'read', both),
    ).toMatchObject({ status: 401 });
  });

  it('refuses Basic credentials on writes, even the right token: a browser replays them by itself', () => {
    for (const token of [WRITE, READ, 'nope']) {
      expect(checkAuth(basic('operator', token), 'write', both)).toEqual({
        ok: false,
        status: 401,
        error: expect.stringMatching(/only Authorization: Bearer .*HTTP Basic is refused/),
        headers: { 'www-authenticate': 'Bearer realm="spin"' },
      });
    }
    // Never a Basic challenge on a write, which would make a browser ask for and keep the token.
    expect(checkAuth({}, 'write', both, { challenge: 'Basic' })).toMatchObject({
      headers: { 'www-authenticate': 'Bearer realm="spin"' },
    });
  });

  it('sends a Basic challenge when asked (dashboard pages)', () => {
    expect(checkAuth({}, 'read', both, { challenge: 'Basic' })).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="spin"' },
    });
    expect(checkAuth(bearer('nope'), 'read', both, { challenge: 'Basic' })).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="spin"' },
    });
  });
});

describe('listenHost and isLoopback', () => {
  it.each([
    ['127.0.0.1:7070', '127.0.0.1'],
    ['localhost:7070', 'localhost'],
    ['[::1]:7070', '::1'],
    ['::1:7070', '::1'],
    ['0.0.0.0:7070', '0.0.0.0'],
    [':7070', ''],
    ['7070', ''],
    ['example.org:80', 'example.org'],
  ])('%s -> %s', (listen, host) => {
    expect(listenHost(listen)).toBe(host);
  });

  it.each([
    '127.0.0.1',
    '127.1.2.3',
    'localhost',
    'LOCALHOST',
    'localhost.',
    'api.localhost',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
  ])('%s is loopback', (host) => expect(isLoopback(host)).toBe(true));

  it.each([
    '',
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '128.0.0.1',
    '192.168.1.5',
    '::2',
    '::ffff:10.0.0.1',
    'example.org',
    'localhost.example.org',
  ])('%j is not loopback', (host) => expect(isLoopback(host)).toBe(false));
});

describe('assertSafeListen', () => {
  it('allows loopback without tokens', () => {
    for (const listen of ['127.0.0.1:7070', '[::1]:7070', 'localhost:0', '127.0.0.2:7070']) {
      expect(assertSafeListen(listen, {})).toEqual([]);
    }
  });

  it('throws for a non-loopback address without any token', () => {
    for (const listen of [
      '0.0.0.0:7070',
      ':7070',
      '[::]:7070',
      '10.1.2.3:7070',
      'gateway.example.org:7070',
    ]) {
      expect(() => assertSafeListen(listen, {}), listen).toThrow(/no API token is configured/);
    }
    expect(() => assertSafeListen('0.0.0.0:7070', { read: '', write: '' })).toThrow(/no API token/);
  });

  it('allows a non-loopback address with tokens', () => {
    expect(assertSafeListen('0.0.0.0:7070', both)).toEqual([]);
    expect(assertSafeListen('0.0.0.0:7070', { read: READ })).toEqual([]);
  });

  it('warns when only a write token leaves reads open beyond loopback', () => {
    expect(assertSafeListen('0.0.0.0:7070', { write: WRITE })).toEqual([
      expect.stringMatching(/readable by anyone/),
    ]);
  });
});
