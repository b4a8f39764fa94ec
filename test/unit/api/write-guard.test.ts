import { describe, expect, it } from 'vitest';
import { checkCrossSite, checkJsonContentType } from '../../../src/api/write-guard.js';

const HOST = { host: '127.0.0.1:7070' };

describe('checkCrossSite', () => {
  it('lets non-browser clients (no Origin, no Sec-Fetch-Site) through', () => {
    expect(checkCrossSite({ ...HOST })).toEqual({ ok: true });
    expect(checkCrossSite({ ...HOST, 'sec-fetch-mode': 'cors' })).toEqual({ ok: true });
  });

  it("lets the API's own pages through", () => {
    expect(
      checkCrossSite({ ...HOST, origin: 'http://127.0.0.1:7070', 'sec-fetch-site': 'same-origin' }),
    ).toEqual({
      ok: true,
    });
    expect(checkCrossSite({ ...HOST, 'sec-fetch-site': 'none' })).toEqual({ ok: true });
    expect(
      checkCrossSite(
        { host: 'spin.example.org', origin: 'https://spin.example.org' },
        {
          publicUrl: 'https://spin.example.org',
        },
      ),
    ).toEqual({ ok: true });
  });

  it('refuses a foreign Origin, and Sec-Fetch-Site cross-site or same-site, with 403', () => {
    for (const headers of [
      { ...HOST, origin: 'http://evil.example' },
      { ...HOST, origin: 'null' },
      { ...HOST, origin: 'http://127.0.0.1:8080' },
      { ...HOST, 'sec-fetch-site': 'cross-site' },
      { ...HOST, 'sec-fetch-site': 'Same-Site' },
      // A same-origin claim does not rescue a foreign Origin.
      { ...HOST, origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' },
    ]) {
      const verdict = checkCrossSite(headers);
      expect(verdict, JSON.stringify(headers)).toMatchObject({ ok: false, status: 403 });
      expect(verdict.ok || verdict.error).toMatch(/^cross-site request refused/);
    }
  });
});

describe('checkJsonContentType', () => {
  it('accepts application/json with parameters, in any case', () => {
    expect(checkJsonContentType({ 'content-type': 'application/json' })).toEqual({ ok: true });
    expect(checkJsonContentType({ 'content-type': 'Application/JSON; charset=utf-8' })).toEqual({ ok: true });
  });

  it('refuses what a form or a simple request can send, and no type at all, with 415', () => {
    for (const type of [
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-seq',
      'text/plain; application/json',
    ]) {
      const verdict = checkJsonContentType(type === undefined ? {} : { 'content-type': type });
      expect(verdict, type).toMatchObject({ ok: false, status: 415 });
      expect(verdict.ok || verdict.error).toMatch(/Content-Type: application\/json/);
    }
  });
});
