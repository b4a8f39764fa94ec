import { describe, expect, it } from 'vitest';
import { checkHost, hostAllowList, isOwnOrigin, parseHost } from '../../../src/api/host-check.js';

const loopback = hostAllowList({ listen: '127.0.0.1:0', port: 7070 });

describe('checkHost', () => {
  it('accepts the loopback names with the listen port', () => {
    for (const host of [
      '127.0.0.1:7070',
      'localhost:7070',
      'LOCALHOST:7070',
      'localhost.:7070',
      '[::1]:7070',
    ]) {
      expect(checkHost(host, loopback), host).toEqual({ ok: true });
    }
  });

  it('refuses a rebinding name, a loopback name on another port, junk and a missing header', () => {
    for (const host of [
      'evil.example:7070',
      'localhost:8080',
      '127.0.0.1',
      '127.0.0.2:7070',
      'user@localhost:7070',
      'localhost:7070/x',
      'localhost:99999',
      '',
      undefined,
    ]) {
      const verdict = checkHost(host, loopback);
      expect(verdict, String(host)).toMatchObject({ ok: false, status: 421 });
      expect(verdict.ok || verdict.error).toMatch(/not a name of this API.*api\.allowedHosts/);
    }
  });

  it('shows a hostile Host shortened and without control characters', () => {
    const verdict = checkHost(`evil\r\n${'x'.repeat(300)}`, loopback);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.error).not.toMatch(/[\r\n]/);
      expect(verdict.error.length).toBeLessThan(300);
    }
  });

  it('accepts a specific listen address, not a wildcard one', () => {
    const lan = hostAllowList({ listen: '10.1.2.3:7070', port: 7070 });
    expect(checkHost('10.1.2.3:7070', lan)).toEqual({ ok: true });
    expect(checkHost('10.1.2.4:7070', lan)).toMatchObject({ ok: false });
    const any = hostAllowList({ listen: '0.0.0.0:7070', port: 7070 });
    expect(checkHost('0.0.0.0:7070', any)).toMatchObject({ ok: false });
    expect(checkHost('localhost:7070', any)).toEqual({ ok: true });
    const v6 = hostAllowList({ listen: '[fd00::5]:7070', port: 7070 });
    expect(checkHost('[fd00::5]:7070', v6)).toEqual({ ok: true });
  });

  it("accepts publicUrl's name on any port (a proxy may drop it), and allowedHosts entries", () => {
    const names = hostAllowList({
      listen: '127.0.0.1:7070',
      port: 7070,
      publicUrl: 'https://Spin.Example.org/base',
      allowedHosts: ['spin.lab.internal', 'gitea-side:9000', '[fd00::7]'],
    });
    for (const host of ['spin.example.org', 'spin.example.org:443', 'SPIN.example.org:7070']) {
      expect(checkHost(host, names), host).toEqual({ ok: true });
    }
    expect(checkHost('spin.lab.internal:7070', names)).toEqual({ ok: true });
    expect(checkHost('gitea-side:9000', names)).toEqual({ ok: true });
    expect(checkHost('gitea-side:7070', names)).toMatchObject({ ok: false });
    expect(checkHost('[fd00::7]:7070', names)).toEqual({ ok: true });
    expect(checkHost('example.org', names)).toMatchObject({ ok: false });
    expect(checkHost('evil-spin.example.org', names)).toMatchObject({ ok: false });
  });

  it('a Host without a port means port 80', () => {
    const names = hostAllowList({ listen: '127.0.0.1:80', port: 80 });
    expect(checkHost('localhost', names)).toEqual({ ok: true });
  });
});

describe('isOwnOrigin', () => {
  it('is the origin that names the request Host, over http', () => {
    expect(isOwnOrigin('http://127.0.0.1:7070', '127.0.0.1:7070')).toBe(true);
    expect(isOwnOrigin('http://LOCALHOST:7070', 'localhost:7070')).toBe(true);
    expect(isOwnOrigin('http://localhost', 'localhost:80')).toBe(true);
  });

  it('is not another port of the same name (a researcher container on localhost:8080)', () => {
    expect(isOwnOrigin('http://localhost:8080', 'localhost:7070')).toBe(false);
    expect(isOwnOrigin('http://127.0.0.1:7070', 'localhost:7070')).toBe(false);
    expect(isOwnOrigin('https://localhost:7070', 'localhost:7070')).toBe(false);
  });

  it('is not another site, an opaque origin or junk', () => {
    for (const origin of [
      'http://evil.example',
      'null',
      'file://',
      '',
      'http://a, http://b',
      'ftp://localhost:7070',
    ]) {
      expect(isOwnOrigin(origin, 'localhost:7070'), origin).toBe(false);
    }
    expect(isOwnOrigin('http://localhost:7070', undefined)).toBe(false);
  });

  it("is publicUrl's origin (a TLS proxy in front)", () => {
    expect(isOwnOrigin('https://spin.example.org', 'spin.example.org', 'https://spin.example.org/x')).toBe(
      true,
    );
    expect(isOwnOrigin('http://spin.example.org', 'other:1', 'https://spin.example.org')).toBe(false);
  });
});

describe('parseHost', () => {
  it('reads name, port and bracketed v6', () => {
    expect(parseHost('Example.ORG.:8080')).toEqual({ name: 'example.org', port: 8080 });
    expect(parseHost('[::1]')).toEqual({ name: '[::1]', port: undefined });
    expect(parseHost('::1')).toBeUndefined();
    expect(parseHost('a b')).toBeUndefined();
  });
});
