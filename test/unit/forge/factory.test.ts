import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { createProvider, statusConfigSchema } from '../../../src/forge/factory.js';
import { GitHubStatusProvider } from '../../../src/forge/github.js';
import { GitLabStatusProvider } from '../../../src/forge/gitlab.js';
import { GitNotesProvider } from '../../../src/forge/gitnotes.js';
import type { CommitStatus } from '../../../src/forge/types.js';

const http = (url: string) => ({
  repo: { kind: 'http' as const, url },
  notesCacheDir: '/tmp/spin-notes-cache.git',
});
const SHA = 'a'.repeat(40);
const status: CommitStatus = { commit: SHA, context: 'spin/p', state: 'success', description: 'ok' };

/** Captures where a provider would POST without a network: a fetch that records and answers 201. */
async function target(config: Parameters<typeof createProvider>[0], url: string): Promise<string> {
  let seen = '';
  const provider = createProvider(config, {
    ...http(url),
    env: { TOKEN: 't' },
    fetch: (async (input: string | URL | Request) => {
      seen = String(input);
      return new Response('{}', { status: 201 });
    }) as typeof fetch,
  });
  await provider.post(status);
  return seen;
}

describe('createProvider', () => {
  it('defaults to git notes, in a cache for remotes and in place for local repositories', () => {
    expect(createProvider(undefined, http('https://example.org/a/b.git'))).toBeInstanceOf(GitNotesProvider);
    expect(
      createProvider(
        { provider: 'gitnotes' },
        { repo: { kind: 'local', path: '/srv/repo' }, notesCacheDir: '/x' },
      ),
    ).toBeInstanceOf(GitNotesProvider);
  });

  it('derives repo and API URL from the repository URL', async () => {
    const cfg = { tokenEnv: 'TOKEN' };
    expect(await target({ provider: 'github', ...cfg }, 'https://github.com/Octo/Gw.git')).toBe(
      `https://api.github.com/repos/Octo/Gw/statuses/${SHA}`,
    );
    expect(await target({ provider: 'github', ...cfg }, 'https://ghe.example.org/octo/gw.git')).toBe(
      `https://ghe.example.org/api/v3/repos/octo/gw/statuses/${SHA}`,
    );
    expect(
      await target({ provider: 'gitea', ...cfg }, 'https://u:p@git.example.org/forge/science/gw.git'),
    ).toBe(`https://git.example.org/forge/api/v1/repos/science/gw/statuses/${SHA}`);
    expect(await target({ provider: 'gitlab', ...cfg }, 'https://gitlab.example.org/a/b/gw.git')).toBe(
      `https://gitlab.example.org/api/v4/projects/a%2Fb%2Fgw/statuses/${SHA}`,
    );
    expect(
      await target(
        { provider: 'gitlab', repo: 1234, apiUrl: 'https://gl/api/v4/', ...cfg },
        'https://x/y.git',
      ),
    ).toBe(`https://gl/api/v4/projects/1234/statuses/${SHA}`);
  });

  it('refuses forge providers without a token source or a derivable repo', () => {
    expect(() => createProvider({ provider: 'github' }, http('https://github.com/a/b'))).toThrow(
      /tokenEnv or tokenFile/,
    );
    const local = { repo: { kind: 'local' as const, path: '/srv/repo' }, notesCacheDir: '/x' };
    expect(() => createProvider({ provider: 'gitea', tokenEnv: 'T' }, local)).toThrow(/set repo/);
    expect(() => createProvider({ provider: 'gitlab', tokenEnv: 'T', repo: 'a/b' }, local)).toThrow(
      /set apiUrl/,
    );
    expect(() => createProvider({ provider: 'github', tokenEnv: 'T', repo: 'nope' }, local)).toThrow();
    expect(
      createProvider(
        { provider: 'gitlab', tokenFile: '/run/secrets/t', repo: 'a/b', apiUrl: 'https://gl/api/v4' },
        local,
      ),
    ).toBeInstanceOf(GitLabStatusProvider);
    expect(
      createProvider(
        { provider: 'github', tokenEnv: 'T', repo: 'a/b', apiUrl: 'https://api.github.com' },
        local,
      ),
    ).toBeInstanceOf(GitHubStatusProvider);
  });
});

describe('statusConfigSchema', () => {
  const validate = new Ajv({ allErrors: true }).compile(statusConfigSchema);

  it('accepts the documented shapes', () => {
    expect(validate({ provider: 'gitnotes' })).toBe(true);
    expect(validate({ provider: 'github', tokenEnv: 'GITHUB_TOKEN' })).toBe(true);
    expect(validate({ provider: 'gitlab', repo: 42, apiUrl: 'https://gl/api/v4', tokenFile: '/t' })).toBe(
      true,
    );
  });

  it('refuses inline tokens, unknown providers and forges without a token source', () => {
    expect(validate({ provider: 'github', token: 'ghp_x', tokenEnv: 'T' })).toBe(false);
    expect(validate({ provider: 'bitbucket' })).toBe(false);
    expect(validate({ provider: 'gitea' })).toBe(false);
    expect(validate({ provider: 'github', tokenEnv: 'has space' })).toBe(false);
  });
});
