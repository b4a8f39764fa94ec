import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { SecretsSettings } from '../../../src/config/types.js';
import { RepoCredentials } from '../../../src/git/repo-auth.js';
import { loadStoreKey, SecretStore } from '../../../src/secrets/store.js';

/** Git credentials kept in the project's secret store (git.tokenSecret, git.passwordSecret). */
const TOKEN = 'glpat-from-the-store-never-printed';

describe('git credentials named by secret', () => {
  let dir: string;
  let settings: SecretsSettings;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-gitsecret-'));
    settings = {
      stateDir: dir,
      keyEnv: 'SPIN_SECRET_KEY_UNSET_IN_TESTS',
      keyEnvExplicit: false,
      runtimeDir: path.join(dir, 'run'),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const store = async () => new SecretStore(dir, (await loadStoreKey({ stateDir: dir }, true)).key);

  it('are parsed with the project and its store, and refused when doubled or half', () => {
    const ok = parseConfig(
      '/etc/spin/spin.yaml',
      `projects:
  - name: tok
    repo: https://git.example.org/a.git
    git: { tokenSecret: git_token }
  - name: bas
    repo: https://git.example.org/b.git
    git: { username: deploy, passwordSecret: git_password }
`,
    );
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    const [tok, bas] = ok.config.projects;
    expect(tok?.git?.auth).toMatchObject({
      kind: 'bearer',
      tokenSecret: 'git_token',
      store: { project: 'tok' },
    });
    expect(bas?.git?.auth).toMatchObject({
      kind: 'basic',
      username: 'deploy',
      passwordSecret: 'git_password',
      store: { project: 'bas' },
    });
    const refused = (git: string) => {
      const r = parseConfig(
        '/etc/spin/spin.yaml',
        `projects:\n  - name: p\n    repo: https://git.example.org/a.git\n    git: ${git}\n`,
      );
      return r.ok ? [] : r.diagnostics.map((d) => `${d.rule}: ${d.message}`);
    };
    expect(refused('{ tokenSecret: a, tokenFile: b }')).toEqual([
      expect.stringMatching(/config\.git: .*same token twice/),
    ]);
    expect(refused('{ passwordSecret: a }')).toEqual([
      expect.stringMatching(/config\.git: HTTP basic needs git\.username/),
    ]);
    expect(refused('{ username: u, passwordSecret: a, passwordFile: b }')).toEqual([
      expect.stringMatching(/config\.git: .*same password twice/),
    ]);
    expect(refused('{ tokenSecret: a, username: u, passwordSecret: b }')).toEqual([
      expect.stringMatching(/config\.git: .*exclude each other/),
    ]);
  });

  it('reads the secret from the store, says how to set a missing one, and follows a rotation', async () => {
    const credentials = new RepoCredentials({
      auth: { kind: 'bearer', tokenSecret: 'git_token', store: { project: 'gw', settings } },
    });
    // Not set yet: no credentials, and the reason names the command, never a value.
    expect((await credentials.current()).authorization).toBeUndefined();
    expect(credentials.problem).toContain('spin secret set gw git_token');
    const s = await store();
    await s.set('gw', 'git_token', Buffer.from(`${TOKEN}\n`));
    const first = await credentials.current();
    expect(first.authorization).toBe(`Bearer ${TOKEN}`);
    expect(first.secrets).toContain(TOKEN);
    expect(credentials.problem).toBeUndefined();
    await s.set('gw', 'git_token', Buffer.from('rotated-token-value'));
    expect((await credentials.current()).authorization).toBe('Bearer rotated-token-value');
    // Basic from the store too.
    await s.set('gw', 'git_password', Buffer.from('pw-from-store'));
    const basic = new RepoCredentials({
      auth: {
        kind: 'basic',
        username: 'deploy',
        passwordSecret: 'git_password',
        store: { project: 'gw', settings },
      },
    });
    expect((await basic.current()).authorization).toBe(
      `Basic ${Buffer.from('deploy:pw-from-store').toString('base64')}`,
    );
  });
});
