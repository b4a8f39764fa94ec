import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/cli/load-config.js';
import { parseConfig } from '../../../src/config/load.js';
import { repoTransport } from '../../../src/git/repo-auth.js';

const TOKEN = 'glpat-s3cr3t-t0ken-never-printed';
const PASSWORD = 'hunter2-but-longer';

const project = (repo: string, extra = '') =>
  `projects:\n  - name: gw\n    repo: ${JSON.stringify(repo)}\n${extra}`;

const diagnostics = (text: string) => {
  const result = parseConfig('/etc/spin/spin.yaml', text);
  return result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.column}: ${d.rule}: ${d.message}`);
};

describe('repository URLs the daemon cannot use are refused at load, located', () => {
  it.each([
    ['ssh://git@git.example.org/team/stack.git'],
    ['git+ssh://git.example.org/team/stack.git'],
    ['git@github.com:team/stack.git'],
    ['deploy@git.example.org:stack.git'],
  ])('%s: SSH is not supported, use HTTPS with a token', (repo) => {
    expect(diagnostics(project(repo))).toEqual([
      expect.stringMatching(/^3:11: config\.repo: SSH .*not supported, use HTTPS with a token/),
    ]);
  });

  it('refuses git:// and other schemes instead of taking them as local paths', () => {
    expect(diagnostics(project('git://git.example.org/stack.git'))).toEqual([
      expect.stringMatching(/^3:11: config\.repo: 'git:\/\/' repository URLs are not supported/),
    ]);
  });

  it('still takes paths (also with @ or : after a slash) and file:// URLs as local', () => {
    for (const repo of ['./repos/a@b', '/srv/git/x:y', 'file:///srv/git/x']) {
      const result = parseConfig('/etc/spin/spin.yaml', project(repo));
      expect(result.ok && result.config.projects[0]?.repo.kind).toBe('local');
    }
  });
});

describe('project git: credentials and CA', () => {
  it('resolves basic and bearer credential files and folds in the daemon-wide CA', () => {
    const result = parseConfig(
      '/etc/spin/spin.yaml',
      `git: { caFile: ca/corp.pem }
projects:
  - name: basic
    repo: https://git.example.org/a.git
    git: { username: deploy, passwordFile: creds/a.password }
  - name: bearer
    repo: https://git.example.org/b.git
    git: { tokenFile: /run/secrets/b.token, caFile: own.pem }
  - name: public
    repo: https://git.example.org/c.git
`,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [a, b, c] = result.config.projects;
    expect(a?.git).toEqual({
      caFile: '/etc/spin/ca/corp.pem',
      auth: { kind: 'basic', username: 'deploy', passwordFile: '/etc/spin/creds/a.password' },
    });
    expect(b?.git).toEqual({
      caFile: '/etc/spin/own.pem',
      auth: { kind: 'bearer', tokenFile: '/run/secrets/b.token' },
    });
    expect(c?.git).toEqual({ caFile: '/etc/spin/ca/corp.pem' });
    expect(result.config.warnings).toBeUndefined();
  });

  it('refuses half or double credentials and git: on a local repository, located', () => {
    const https = 'https://git.example.org/a.git';
    expect(diagnostics(project(https, '    git: { username: deploy }\n'))).toEqual([
      expect.stringMatching(/^4:\d+: config\.git: HTTP basic needs both git\.username and git\.passwordFile/),
    ]);
    expect(diagnostics(project(https, '    git: { tokenFile: t, passwordFile: p, username: u }\n'))).toEqual([
      expect.stringMatching(/^4:\d+: config\.git: git\.tokenFile\/tokenSecret .* exclude each other/),
    ]);
    expect(diagnostics(project('../repos/a', '    git: { tokenFile: t }\n'))).toEqual([
      expect.stringMatching(/^4:\d+: config\.git: .*applies only to http\(s\) repositories/),
    ]);
    expect(diagnostics(project('https://u:p@git.example.org/a.git', '    git: { tokenFile: t }\n'))).toEqual([
      expect.stringMatching(/^3:11: config\.repo: credentials are both inline in the URL and in git:/),
    ]);
    expect(diagnostics(project(https, '    git: { tokenfile: t }\n'))).toEqual([
      expect.stringMatching(/config\.additionalProperties: unknown key 'tokenfile'/),
    ]);
  });

  it('warns, located, when a URL still carries credentials, without repeating them', () => {
    const result = parseConfig(
      '/etc/spin/spin.yaml',
      project('https://deploy:inline-pass@git.example.org/a.git'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.warnings).toEqual([
      expect.stringMatching(
        /^\/etc\/spin\/spin\.yaml:3:11: config\.repo-credentials: project 'gw' has credentials inline .* git\.passwordFile or git\.tokenFile$/,
      ),
    ]);
    expect(result.config.warnings?.join('\n')).not.toContain('inline-pass');
  });
});

describe('credential files are read at load into values nothing prints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spin-repo-access-'));
    await writeFile(path.join(dir, 'token'), `${TOKEN}\n`);
    await writeFile(path.join(dir, 'password'), `${PASSWORD}\n`);
    await writeFile(path.join(dir, 'empty'), '\n');
    await writeFile(
      path.join(dir, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(text: string) {
    const file = path.join(dir, 'spin.yaml');
    await writeFile(file, text);
    return loadConfigFile(file);
  }

  it('builds the Authorization header from the files; JSON and inspect show only a fingerprint', async () => {
    const result = await load(`projects:
  - name: bearer
    repo: https://git.example.org/b.git
    git: { tokenFile: token, caFile: ca.pem }
  - name: basic
    repo: https://git.example.org/a.git
    git: { username: deploy, passwordFile: password }
`);
    expect(result.ok ? 'ok' : result.diagnostics).toBe('ok');
    if (!result.ok) return;
    const [bearer, basic] = result.config.projects;
    expect(repoTransport(bearer?.git).authorization).toBe(`Bearer ${TOKEN}`);
    expect(repoTransport(bearer?.git).ca).toContain('BEGIN CERTIFICATE');
    expect(repoTransport(basic?.git).authorization).toBe(
      `Basic ${Buffer.from(`deploy:${PASSWORD}`).toString('base64')}`,
    );
    const printed = [
      JSON.stringify(result.config),
      inspect(result.config, { depth: 10 }),
      `${basic?.git?.auth && 'password' in basic.git.auth ? basic.git.auth.password : ''}`,
    ].join('\n');
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain(PASSWORD);
    expect(printed).toContain('fingerprint');
  });

  it('a rotated file changes the project as a reload compares it (so its source is remade)', async () => {
    const text = `projects:\n  - name: bearer\n    repo: https://git.example.org/b.git\n    git: { tokenFile: token }\n`;
    const before = await load(text);
    await writeFile(path.join(dir, 'token'), 'the-next-token\n');
    const after = await load(text);
    await writeFile(path.join(dir, 'token'), `${TOKEN}\n`);
    const again = await load(text);
    if (!before.ok || !after.ok || !again.ok) throw new Error('config did not load');
    const json = (r: typeof before) => (r.ok ? JSON.stringify(r.config.projects[0]) : '');
    expect(json(after)).not.toBe(json(before));
    expect(json(again)).toBe(json(before));
  });

  it('refuses a missing or empty credential file, naming the setting', async () => {
    const result = await load(`projects:
  - name: gw
    repo: https://git.example.org/b.git
    git: { tokenFile: missing }
  - name: gx
    repo: https://git.example.org/c.git
    git: { username: deploy, passwordFile: empty }
`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/^gw\.git\.tokenFile: cannot read .*missing.*ENOENT/),
      expect.stringMatching(/^gx\.git\.passwordFile: .*empty is empty/),
    ]);
  });
});
