import { describe, expect, it } from 'vitest';
import { listTags, parseChallenge, registryBaseUrl } from '../../../src/drivers/registry/tag-list.js';
import { ImagePullError } from '../../../src/model/image.js';

type Call = { url: string; authorization?: string };

/** A registry behind a bearer token service, as Docker Hub and most hosted registries are. */
function tokenRegistry(calls: Call[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const authorization = (init?.headers as Record<string, string> | undefined)?.authorization;
    calls.push({ url, authorization });
    if (url.startsWith('https://auth.example.org/token')) {
      const ok = authorization === `Basic ${Buffer.from('u:p').toString('base64')}`;
      return ok ? Response.json({ token: 'T' }) : new Response('', { status: 401 });
    }
    if (authorization !== 'Bearer T') {
      return new Response('', {
        status: 401,
        headers: {
          'www-authenticate': 'Bearer realm="https://auth.example.org/token",service="reg.example.org"',
        },
      });
    }
    if (url.includes('last=')) return Response.json({ tags: ['2.0.0'] });
    return Response.json(
      { tags: ['1.4.0', '1.4.3'] },
      { headers: { link: '</v2/lab/web/tags/list?n=1000&last=1.4.3>; rel="next"' } },
    );
  }) as typeof fetch;
}

describe('listTags', () => {
  it('answers a bearer challenge with the login at the realm, and follows the next pages', async () => {
    const calls: Call[] = [];
    const tags = await listTags('reg.example.org', 'lab/web', {
      auth: { username: 'u', password: 'p', serveraddress: 'reg.example.org' },
      fetch: tokenRegistry(calls),
    });
    expect(tags).toEqual(['1.4.0', '1.4.3', '2.0.0']);
    const token = calls.find((c) => c.url.startsWith('https://auth.example.org/'));
    expect(token?.url).toContain('scope=repository%3Alab%2Fweb%3Apull');
    expect(token?.url).toContain('service=reg.example.org');
  });

  it('tells a refused login and a missing repository apart', async () => {
    const refused = await listTags('reg.example.org', 'lab/web', {
      auth: { username: 'u', password: 'wrong', serveraddress: 'reg.example.org' },
      fetch: tokenRegistry([]),
    }).catch((e: unknown) => e);
    expect((refused as ImagePullError).reason).toBe('ImageUnauthorized');
    const missing = await listTags('127.0.0.1:5000', 'lab/none', {
      fetch: (async () => new Response('', { status: 404 })) as unknown as typeof fetch,
    }).catch((e: unknown) => e);
    expect((missing as ImagePullError).reason).toBe('ImageNotFound');
  });

  it('speaks plain HTTP to loopback only, and reads challenges', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('reg.example.org')).toBe('https://reg.example.org');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
  });
});
