import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, resolveRepo } from '../../src/config/load.js';

const ok = (text: string) => {
  const result = parseConfig('/etc/spin/spin.yaml', text);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.config;
};

describe('daemon config', () => {
  it('fills defaults and resolves paths against the config file', () => {
    const config = ok(`
projects:
  - name: gateway-a
    repo: http://127.0.0.1:8080/gateway-a.git
    env: { TAG: 1.2, DEBUG: true }
  - name: local-b
    repo: ../repos/b
    path: ./deploy/
    pollInterval: 1m30s
`);
    expect(config.stateDir).toBe('/etc/spin/.spin');
    expect(config.pollIntervalMs).toBe(15_000);
    expect(config.api.listen).toBe('127.0.0.1:7070');
    const [a, b] = config.projects;
    expect(a).toMatchObject({
      branch: 'main',
      path: '',
      env: { TAG: '1.2', DEBUG: 'true' },
      policyName: 'spin-default',
    });
    expect(a?.repo).toEqual({ kind: 'http', url: 'http://127.0.0.1:8080/gateway-a.git' });
    expect(b?.repo).toEqual({ kind: 'local', path: '/etc/repos/b' });
    expect(b?.path).toBe('deploy');
    expect(b?.pollIntervalMs).toBe(90_000);
  });

  it('takes the stateDir default it is given (SPIN_STATE_DIR in the image) only when the file has none', () => {
    const given = (text: string) => {
      const result = parseConfig('/etc/spin/spin.yaml', text, [], { stateDir: '/var/lib/spin' });
      if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
      return result.config;
    };
    expect(given('projects: []\n').stateDir).toBe('/var/lib/spin');
    expect(given('projects: []\n').secrets.stateDir).toBe('/var/lib/spin');
    expect(given('stateDir: ./state\nprojects: []\n').stateDir).toBe('/etc/spin/state');
  });

  it('refuses project names with `_`: the first `_` of a container name must end the project name', () => {
    const result = parseConfig('spin.yaml', 'projects:\n  - name: sq_x\n    repo: x\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toContain('2:11 config.pattern');
  });

  it('refuses unknown keys, bad names and duplicates with their location', () => {
    const result = parseConfig(
      'spin.yaml',
      `pollInterval: 15s
projects:
  - name: Bad_Name
    repo: x
  - name: a
    repo: x
    colour: blue
  - name: a
    repo: y
`,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const brief = result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`);
    expect(brief).toContain('3:11 config.pattern');
    expect(brief).toContain('7:13 config.additionalProperties');
    expect(result.diagnostics.find((d) => d.rule === 'config.additionalProperties')?.message).toContain(
      "'colour'",
    );
  });

  it('refuses duplicate project names and unknown policies', () => {
    const dup = parseConfig('spin.yaml', 'projects:\n  - { name: a, repo: x }\n  - { name: a, repo: y }\n');
    expect(!dup.ok && dup.diagnostics.map((d) => d.rule)).toEqual(['config.duplicate-project']);
    const policy = parseConfig('spin.yaml', 'projects:\n  - { name: a, repo: x, policy: nope }\n');
    expect(!policy.ok && policy.diagnostics.map((d) => `${d.line} ${d.rule}`)).toEqual(['2 config.policy']);
  });

  it('resolves named policies that extend the built-in default', () => {
    const config = ok(`
projects:
  - { name: a, repo: x, policy: strict }
policies:
  strict: { extends: spin-default }
`);
    expect(config.projects[0]?.policyName).toBe('strict');
  });

  it('tells remote from local repositories', () => {
    expect(resolveRepo('https://git.example.org/x.git', '/')).toEqual({
      kind: 'http',
      url: 'https://git.example.org/x.git',
    });
    expect(resolveRepo('file:///srv/git/x', '/')).toEqual({ kind: 'local', path: '/srv/git/x' });
    expect(resolveRepo('x', '/srv')).toEqual({ kind: 'local', path: path.resolve('/srv/x') });
  });
});

describe('daemon config: schedules and policies', () => {
  it('refuses a resync schedule that is not a cron expression, with its location', () => {
    const result = parseConfig('spin.yaml', 'resyncSchedule: every minute\nprojects: []\n');
    expect(!result.ok && result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '1:17 config.cron',
    ]);
  });

  it('locates a misspelt setting inside a named policy', () => {
    const result = parseConfig(
      'spin.yaml',
      'projects: []\npolicies:\n  strict:\n    images:\n      allowLatests: true\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics[0]?.line).toBeGreaterThanOrEqual(4);
    expect(result.diagnostics[0]?.message).toContain('allowLatests');
  });
});

describe('daemon config: git limits', () => {
  it('defaults to 64 MiB objects, 512 MiB packs and 200,000 objects, and reads sizes with units', () => {
    expect(ok('projects: []\n').git).toEqual({
      maxObjectBytes: 64 * 1024 ** 2,
      maxPackBytes: 512 * 1024 ** 2,
      maxPackObjects: 200_000,
    });
    expect(
      ok('git: { maxObjectBytes: 128MiB, maxPackBytes: 1g, maxPackObjects: 5000 }\nprojects: []\n').git,
    ).toEqual({
      maxObjectBytes: 128 * 1024 ** 2,
      maxPackBytes: 1024 ** 3,
      maxPackObjects: 5000,
    });
  });

  it('refuses a size it cannot read and an unknown key, located', () => {
    const result = parseConfig('spin.yaml', 'projects: []\ngit:\n  maxObjectBytes: lots\n  maxBlob: 1\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.diagnostics.map((d) => `${d.line} ${d.message}`).join('\n');
    expect(messages).toContain("unknown key 'maxBlob' in git");
    expect(result.diagnostics.some((d) => d.line === 3 && d.path === 'git.maxObjectBytes')).toBe(true);
  });
});

describe('registry logins and image updates', () => {
  it('overlays the top-level registries with a project’s own, paths made absolute', () => {
    const config = ok(`
imageUpdateSchedule: "*/10 * * * *"
registries:
  reg.example.org: { username: centre, passwordFile: reg.pw }
  127.0.0.1:5000: { username: local, passwordFile: /etc/spin/local.pw }
projects:
  - name: a
    repo: x
    imageUpdates: digest
    registries:
      127.0.0.1:5000: { username: mine, passwordFile: mine.pw }
  - { name: b, repo: y }
`);
    expect(config.imageUpdateSchedule).toBe('*/10 * * * *');
    const [a, b] = config.projects;
    expect(a?.imageUpdates).toBe('digest');
    expect(a?.registries).toEqual({
      'reg.example.org': { username: 'centre', passwordFile: '/etc/spin/reg.pw' },
      '127.0.0.1:5000': { username: 'mine', passwordFile: '/etc/spin/mine.pw' },
    });
    expect(b?.registries?.['127.0.0.1:5000']?.username).toBe('local');
    expect(b?.imageUpdates).toBeUndefined();
  });

  it('refuses a registry login without a password file and a bad schedule, located', () => {
    const result = parseConfig(
      'spin.yaml',
      'imageUpdateSchedule: often\nregistries:\n  reg.example.org: { username: u, password: p }\nprojects: []\n',
    );
    expect(result.ok).toBe(false);
    const rules = result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.rule}`);
    expect(rules).toContain('3:config.additionalProperties');
  });

  it('takes a passwordSecret instead of a file, and refuses a login with neither or both, located', () => {
    const config = ok(`
registries:
  reg.example.org: { username: centre, passwordSecret: reg-pw }
projects:
  - name: a
    repo: x
`);
    expect(config.projects[0]?.registries).toEqual({
      'reg.example.org': { username: 'centre', passwordSecret: 'reg-pw' },
    });
    const result = parseConfig(
      'spin.yaml',
      'registries:\n  r.example.org: { username: u }\nprojects:\n  - name: a\n    repo: x\n    registries:\n      s.example.org: { username: u, passwordFile: f, passwordSecret: s }\n',
    );
    expect(result.ok).toBe(false);
    const rules = result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.rule}:${d.message}`);
    expect(rules).toEqual([
      expect.stringMatching(
        /^2:config.registries:registries.r.example.org needs exactly one of passwordFile/,
      ),
      expect.stringMatching(/^7:config.registries:projects.0.registries.s.example.org needs exactly one/),
    ]);
  });
});

describe('commit signing and review mode (imageUpdates.branch)', () => {
  it('takes a top-level signing key, overridden by a project’s own, paths made absolute', () => {
    const config = ok(`
commitSigning: { keyFile: keys/spin.asc, passphraseFile: keys/spin.pass }
projects:
  - name: a
    repo: x
    imageUpdates: { semver: "~1.4", branch: spin/image-updates }
  - name: b
    repo: y
    imageUpdates: { branch: review/images }
    commitSigning: { keyFile: /srv/b.asc, passphraseSecret: signing-pass }
`);
    const [a, b] = config.projects;
    expect(config.commitSigning).toEqual({
      keyFile: '/etc/spin/keys/spin.asc',
      passphraseFile: '/etc/spin/keys/spin.pass',
    });
    expect(a?.commitSigning).toEqual(config.commitSigning);
    expect(a?.imageUpdates).toEqual({ semver: '~1.4', branch: 'spin/image-updates' });
    expect(b?.commitSigning).toEqual({ keyFile: '/srv/b.asc', passphraseSecret: 'signing-pass' });
    expect(b?.imageUpdates).toEqual({ branch: 'review/images' });
  });

  it('refuses the deploy branch or a bad name as the review branch, and two passphrases, located', () => {
    const refused = (text: string) => {
      const result = parseConfig('/etc/spin/spin.yaml', text);
      return result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.rule}: ${d.message}`);
    };
    expect(refused('projects:\n  - name: a\n    repo: x\n    imageUpdates: { branch: main }\n')).toEqual([
      expect.stringMatching(/^4:config\.imageUpdates: imageUpdates\.branch 'main' is the deploy branch/),
    ]);
    for (const bad of ['spin..x', 'a b', '-x', 'x.lock', 'x/', '.hidden'])
      expect(
        refused(`projects:\n  - name: a\n    repo: x\n    imageUpdates: { branch: "${bad}" }\n`),
      ).toEqual([expect.stringContaining('is not a valid git branch name')]);
    expect(
      refused(
        'projects:\n  - name: a\n    repo: x\n    commitSigning: { keyFile: k, passphraseFile: p, passphraseSecret: s }\n',
      ),
    ).toEqual([expect.stringMatching(/^4:config\.commitSigning: .*name the same passphrase twice/)]);
    expect(refused('commitSigning: { passphraseFile: p }\nprojects: []\n')[0]).toContain('keyFile');
    expect(
      refused('commitSigning: { keyFile: k, passphraseFile: p, passphraseSecret: s }\nprojects: []\n'),
    ).toEqual([expect.stringMatching(/^1:config\.commitSigning: .*same passphrase twice/)]);
  });
});
