import { Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { checkPolicy, resolvePolicy } from '../../../src/policy/index.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import { loadStack, type LoadResult } from '../../../src/stack/load.js';
import type { StackModel } from '../../../src/stack/model.js';
import { parseMode, sha256 } from '../../../src/stack/secrets.js';
import type { FileReader } from '../../../src/stack/source.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function files(tree: Record<string, string | Uint8Array>): FileReader {
  return {
    readFile: async (file) => {
      const content = Object.prototype.hasOwnProperty.call(tree, file) ? tree[file] : undefined;
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
  };
}

const shown = (result: LoadResult): string[] => result.diagnostics.map(formatDiagnostic);

async function load(
  stack: string,
  tree: Record<string, string | Uint8Array> = {},
  env: Record<string, string> = {},
): Promise<LoadResult> {
  return loadStack(files({ 'compose.yaml': stack, ...tree }), { project: 'gw', env });
}

async function model(
  stack: string,
  tree: Record<string, string | Uint8Array> = {},
  env: Record<string, string> = {},
): Promise<StackModel> {
  const result = await load(stack, tree, env);
  if (!result.ok) throw new Error(shown(result).join('\n'));
  return result.model;
}

async function problems(stack: string, tree: Record<string, string | Uint8Array> = {}): Promise<string[]> {
  const result = await load(stack, tree);
  return result.ok ? [] : shown(result);
}

let ageFile: { armored: string; binary: Uint8Array } | undefined;
async function encrypted(): Promise<{ armored: string; binary: Uint8Array }> {
  if (ageFile) return ageFile;
  const recipient = await identityToRecipient(await generateX25519Identity());
  const e = new Encrypter();
  e.addRecipient(recipient);
  const binary = await e.encrypt('s3cret');
  ageFile = { armored: armor.encode(binary), binary };
  return ageFile;
}

describe('secrets: in the stack', () => {
  it('mounts a store secret at /run/secrets/<name>, owned by the numeric user, mode 0400', async () => {
    const m = await model(
      lines(
        'services:',
        '  web:',
        '    image: app:1',
        '    user: "1000:1000"',
        '    secrets: [db]',
        '  worker:',
        '    image: app:1',
        '    secrets: [db]',
        'secrets:',
        '  db: {}',
      ),
    );
    expect(m.secrets).toEqual({ db: { name: 'db', source: 'store' } });
    expect(m.services.web?.secrets).toEqual([
      { source: 'db', target: '/run/secrets/db', uid: 1000, gid: 1000, mode: 0o400 },
    ]);
    expect(m.services.worker?.secrets).toEqual([
      { source: 'db', target: '/run/secrets/db', uid: 0, gid: 0, mode: 0o400 },
    ]);
    // The model is what `spin config` prints: no value, no digest of one.
    expect(JSON.stringify(m)).not.toMatch(/digest|value/);
  });

  it('reads the long form: target (relative or absolute), uid, gid and octal modes', async () => {
    const m = await model(
      lines(
        'services:',
        '  web:',
        '    image: app:1',
        '    user: "1000"',
        '    secrets:',
        '      - source: db',
        '        target: pg/password',
        '        mode: 0440',
        '      - { source: db, target: /etc/app/db.pw, uid: "33", gid: 44, mode: "0o400" }',
        '      - { source: tls, mode: 0o444 }',
        '      - { source: tls, target: tls-copy, mode: "600" }',
        'secrets:',
        '  db:',
        '  tls: {}',
      ),
    );
    expect(m.secrets).toEqual({ db: { name: 'db', source: 'store' }, tls: { name: 'tls', source: 'store' } });
    expect(m.services.web?.secrets).toEqual([
      { source: 'db', target: '/etc/app/db.pw', uid: 33, gid: 44, mode: 0o400 },
      { source: 'db', target: '/run/secrets/pg/password', uid: 1000, gid: 0, mode: 0o440 },
      { source: 'tls', target: '/run/secrets/tls', uid: 1000, gid: 0, mode: 0o444 },
      { source: 'tls', target: '/run/secrets/tls-copy', uid: 1000, gid: 0, mode: 0o600 },
    ]);
  });

  it('accepts age-encrypted files in the repository, armored or binary', async () => {
    const { armored, binary } = await encrypted();
    const m = await model(
      lines(
        'services:',
        '  web: { image: app:1, secrets: [a, b] }',
        'secrets:',
        '  a: { file: ./secrets/a.age }',
        '  b: { file: secrets/b.age }',
      ),
      { 'secrets/a.age': armored, 'secrets/b.age': binary },
    );
    expect(m.secrets).toEqual({
      a: { name: 'a', source: 'file', file: './secrets/a.age' },
      b: { name: 'b', source: 'file', file: 'secrets/b.age' },
    });
  });

  it('refuses a plaintext secret file without ever repeating its content', async () => {
    const found = await problems(
      lines(
        'services:',
        '  web: { image: app:1, secrets: [db] }',
        'secrets:',
        '  db: { file: db/password.txt }',
      ),
      { 'db/password.txt': 'correct horse battery staple\n' },
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^compose\.yaml:4:15: stack\.plaintext-secret: "db\/password\.txt" is not age-encrypted, and secrets are never kept in git in plaintext/,
    );
    expect(found[0]).toContain('spin secret set gw db');
    expect(found.join('\n')).not.toContain('horse');
  });

  it('refuses missing files, and never echoes a value written where a secret is declared', async () => {
    const found = await problems(
      lines(
        'services:',
        '  web: { image: app:1, secrets: [a, b, c], configs: [d] }',
        'secrets:',
        '  a: { file: ./nowhere.age }',
        '  b: "hunter2-in-git"',
        '  c: { value: "hunter3-in-git" }',
        'configs:',
        '  d: { file: ./app.ini }',
      ),
    );
    expect(found.join('\n')).not.toMatch(/hunter/);
    expect(found.map((d) => d.split(': ').slice(0, 2).join(': '))).toEqual([
      'compose.yaml:5:6: stack.invalid-secret',
      'compose.yaml:6:15: stack.invalid-secret',
    ]);
    const missing = await problems(
      lines(
        'services:',
        '  web: { image: app:1, secrets: [a], configs: [d] }',
        'secrets:',
        '  a: { file: ./nowhere.age }',
        'configs:',
        '  d: { file: ./app.ini }',
      ),
    );
    expect(missing).toEqual([
      'compose.yaml:4:14: stack.missing-file: "./nowhere.age" is not a file in the repository (paths are relative to the stack file\'s folder)',
      'compose.yaml:6:14: stack.missing-file: "./app.ini" is not a file in the repository (paths are relative to the stack file\'s folder)',
    ]);
  });

  it('refuses environment:, external: and the other swarm forms, saying what to do instead', async () => {
    const found = await problems(
      lines(
        'services:',
        '  web: { image: app:1, secrets: [a, b] }',
        'secrets:',
        '  a: { environment: DB_PASSWORD }',
        '  b: { external: true }',
        '  c: { file: ./c.age, template_driver: golang }',
        'configs:',
        '  d: { external: true }',
      ),
    );
    expect(found).toEqual([
      "compose.yaml:4:21: unsupported.secrets.environment: secrets.a.environment is not supported: Spin never hands the daemon's environment to a stack; store the value with `spin secret set <project> a` and declare the secret as `a: {}`",
      "compose.yaml:5:18: unsupported.secrets.external: secrets.b.external: true is not supported: Spin's secret store holds every secret that is not in git; declare it as `b: {}` and set its value with `spin secret set <project> b`",
      'compose.yaml:6:40: unsupported.secrets.template_driver: secrets.c.template_driver is not supported: Spin delivers secrets from its own store or from age-encrypted files in the repository; remove it',
      'compose.yaml:8:18: unsupported.configs.external: configs.d.external: true is not supported: Spin reads configs from the repository at the deployed commit; use file: or content:',
    ]);
  });

  it('refuses unknown names, bad targets, modes and owners, each at its place', async () => {
    const found = await problems(
      lines(
        'services:', //                                                   1
        '  web:', //                                                      2
        '    image: app:1', //                                            3
        '    user: www-data', //                                          4
        '    secrets:', //                                                5
        '      - nope', //                                                6
        '      - { source: db, target: ../etc/shadow }', //               7
        '      - { source: db, target: x, mode: 0999 }', //               8
        '      - { source: db, target: y, uid: abc }', //                 9
        '      - { source: db, target: z }', //                           10
        '      - { source: db, target: ok, uid: 33 }', //                 11
        '    configs: [missing]', //                                      12
        'secrets:', //                                                    13
        '  db: {}', //                                                    14
      ),
    );
    expect(found).toEqual([
      "compose.yaml:6:9: stack.undeclared-secret: secret 'nope' is not declared; add it under the top-level secrets: (e.g. `nope: {}` for a value in Spin's secret store)",
      "compose.yaml:7:31: stack.invalid-target: services.web.secrets.1.target must not contain '.' or '..' segments",
      'compose.yaml:8:40: stack.invalid-mode: services.web.secrets.2.mode must be permission bits in octal, e.g. 0400 or "0440" (at most 0777)',
      'compose.yaml:9:39: stack.invalid-owner: services.web.secrets.3.uid must be a whole number (a numeric id)',
      'compose.yaml:10:9: stack.secret-owner: the service runs as user \'www-data\', a name Spin cannot turn into a numeric id, so it could not read services.web.secrets.4; set uid: (and gid:) on it, or give the service a numeric user: "UID:GID"',
      "compose.yaml:12:15: stack.undeclared-config: config 'missing' is not declared; add it under the top-level configs: with file: or content:",
    ]);
  });

  it('refuses two mounts at one container path', async () => {
    const found = await problems(
      lines(
        'services:',
        '  web:',
        '    image: app:1',
        '    volumes: ["data:/run/secrets/db"]',
        '    secrets: [db]',
        'secrets: { db: {} }',
        'volumes: { data: {} }',
      ),
    );
    expect(found).toEqual([
      "compose.yaml:5:14: stack.duplicate-target: services.web.secrets 'db' is mounted at /run/secrets/db, which services.web.volumes.0 already uses",
    ]);
  });
});

describe('configs: in the stack', () => {
  it('takes a repository file (with its digest) or interpolated inline content, mounted 0444 at /<name>', async () => {
    const m = await model(
      lines(
        'services:',
        '  web:',
        '    image: app:1',
        '    user: "1000:1000"',
        '    configs:',
        '      - app.ini',
        '      - { source: motd, target: /etc/motd, mode: 0400 }',
        'configs:',
        '  app.ini: { file: ./conf/app.ini }',
        '  motd: { content: "hello ${WHO}" }',
      ),
      { 'deploy/conf/app.ini': 'wrong folder', 'conf/app.ini': '[app]\nx = 1\n' },
      { WHO: 'world' },
    );
    expect(m.configs).toEqual({
      'app.ini': { name: 'app.ini', file: './conf/app.ini', digest: sha256('[app]\nx = 1\n') },
      motd: { name: 'motd', content: 'hello world', digest: sha256('hello world') },
    });
    expect(m.services.web?.configs).toEqual([
      { source: 'app.ini', target: '/app.ini', uid: 1000, gid: 1000, mode: 0o444 },
      { source: 'motd', target: '/etc/motd', uid: 1000, gid: 1000, mode: 0o400 },
    ]);
  });

  it('reads files relative to the stack folder', async () => {
    const result = await loadStack(
      files({
        'deploy/compose.yaml': lines(
          'services: { web: { image: app:1, configs: [c] } }',
          'configs: { c: { file: ../shared/c.conf } }',
        ),
        'shared/c.conf': 'shared',
      }),
      { project: 'gw', env: {}, dir: 'deploy' },
    );
    if (!result.ok) throw new Error(shown(result).join('\n'));
    expect(result.model.configs?.c?.digest).toBe(sha256('shared'));
  });

  it('needs exactly one of file: and content:', async () => {
    expect(
      await problems(
        lines('services: { web: { image: app:1 } }', 'configs:', '  a: { file: ./a, content: x }', '  b: {}'),
      ),
    ).toEqual([
      'compose.yaml:3:6: stack.invalid-config: configs.a has both file: and content:; keep one',
      'compose.yaml:4:6: stack.invalid-config: configs.b needs file: (a file in the repository, relative to the stack file) or content: (the text itself)',
    ]);
  });

  it('leaves the model and the config hash of a stack without secrets or configs as they were', async () => {
    const m = await model(lines('services:', '  web: { image: app:1 }'));
    expect(Object.keys(m)).toEqual(['project', 'services', 'networks', 'volumes']);
    expect(Object.keys(m.services.web ?? {})).not.toContain('secrets');
    expect(Object.keys(m.services.web ?? {})).not.toContain('configs');
    const spec = m.services.web;
    if (!spec) throw new Error('no web');
    expect(serviceConfigHash('gw', spec)).toBe(serviceConfigHash('gw', spec, {}));
  });
});

describe('policy on secret and config files', () => {
  const policy = resolvePolicy(undefined, {});
  if (!policy.ok) throw new Error(policy.error);
  it('refuses files outside the repository, including absolute paths and allowed roots', async () => {
    const result = await loadStack(
      files({
        'compose.yaml': lines(
          'services: { web: { image: app:1 } }',
          'secrets:',
          '  a: { file: /global/cfs/cdirs/gw/a.age }',
          '  b: { file: ../../b.age }',
          'configs:',
          '  c: { file: /etc/passwd }',
        ),
      }),
      { project: 'gw', env: {} },
    );
    if (!result.ok) throw new Error(shown(result).join('\n'));
    const found = checkPolicy(
      { document: result.document, model: result.model, project: 'gw', stackDir: '' },
      {
        ...policy.policy,
        mounts: { ...policy.policy.mounts, allowedRoots: ['/global/cfs/cdirs/{project}'] },
      },
    )
      .filter((d) => d.rule.startsWith('mounts.'))
      .map(formatDiagnostic);
    expect(found).toEqual([
      'compose.yaml:3:14: mounts.escape: "/global/cfs/cdirs/gw/a.age" is outside the repository; keep the file inside the repository next to the stack file',
      'compose.yaml:4:14: mounts.escape: "../../b.age" is outside the repository; keep the file inside the repository next to the stack file',
      'compose.yaml:6:14: mounts.escape: "/etc/passwd" is outside the repository; keep the file inside the repository next to the stack file',
    ]);
  });
});

describe('parseMode', () => {
  it('reads octal strings and plain numbers, and refuses what is not a mode', () => {
    expect(parseMode('0440')).toBe(0o440);
    expect(parseMode('440')).toBe(0o440);
    expect(parseMode('0o600')).toBe(0o600);
    expect(parseMode(0o444)).toBe(0o444);
    expect(parseMode('0999')).toBeUndefined();
    expect(parseMode(0o1777)).toBeUndefined();
    expect(parseMode(-1)).toBeUndefined();
    expect(parseMode('rw')).toBeUndefined();
  });
});
