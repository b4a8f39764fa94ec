import { describe, expect, it } from 'vitest';
import { matchesRepo } from '../../../src/webhooks/match.js';

describe('matchesRepo', () => {
  const event = ['https://github.com/Octo-Org/Gateway-A.git', 'git@github.com:Octo-Org/Gateway-A.git'];

  it('ignores .git, trailing slashes, case and credentials', () => {
    expect(matchesRepo('https://github.com/octo-org/gateway-a', event)).toBe(true);
    expect(matchesRepo('https://GitHub.com/Octo-Org/Gateway-A/', event)).toBe(true);
    expect(matchesRepo('https://x-access-token:abc@github.com/Octo-Org/Gateway-A.git', event)).toBe(true);
    expect(matchesRepo('https://github.com:443/Octo-Org/Gateway-A.git', event)).toBe(true);
  });

  it('matches across schemes (ssh, scp-like, http)', () => {
    expect(matchesRepo('ssh://git@github.com/Octo-Org/Gateway-A.git', event)).toBe(true);
    expect(
      matchesRepo('git@github.com:octo-org/gateway-a.git', ['https://github.com/Octo-Org/Gateway-A']),
    ).toBe(true);
    expect(
      matchesRepo('http://localhost:3000/gitea/webhooks.git', [
        'ssh://gitea@localhost:2222/gitea/webhooks.git',
      ]),
    ).toBe(true);
  });

  it('tells different repositories, hosts and http ports apart', () => {
    expect(matchesRepo('https://github.com/octo-org/gateway-b', event)).toBe(false);
    expect(matchesRepo('https://gitlab.com/octo-org/gateway-a', event)).toBe(false);
    expect(matchesRepo('https://github.com/octo-org', event)).toBe(false);
    expect(matchesRepo('http://127.0.0.1:8080/gw.git', ['http://127.0.0.1:9090/gw.git'])).toBe(false);
    expect(matchesRepo('http://127.0.0.1:8080/gw.git', ['http://127.0.0.1:8080/gw'])).toBe(true);
  });

  it('refuses garbage', () => {
    expect(matchesRepo('not a url', event)).toBe(false);
    expect(matchesRepo('https://github.com/', ['https://github.com/'])).toBe(false);
    expect(matchesRepo('https://github.com/a/b', [])).toBe(false);
  });
});
