/** Compose fidelity fixes (issue 16) that Compose's own test data does not exercise. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBindFileSizes } from '../../../src/stack/bind-file-sizes.js';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import { FolderReader } from '../../../src/stack/fs-reader.js';
import { loadStack } from '../../../src/stack/load.js';
import type { FileReader } from '../../../src/stack/source.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

function tree(files: Record<string, string>, folders: string[] = []): FileReader {
  return {
    readFile: async (file) => (file in files ? new TextEncoder().encode(files[file]) : undefined),
    fileSize: async (file) =>
      folders.includes(file) ? undefined : file in files ? (files[file] ?? '').length : undefined,
  };
}

async function load(text: string, env: Record<string, string> = {}) {
  return loadStack(tree({ 'compose.yaml': text }), { project: 'p', env });
}
const shown = async (text: string): Promise<string[]> => (await load(text)).diagnostics.map(formatDiagnostic);

describe('Compose fidelity', () => {
  it('locates a merge key aimed at a scalar instead of crashing', async () => {
    const text = lines('x-a: &a hello', 'services:', '  web:', '    <<: *a', '    image: nginx');
    const result = await load(text);
    expect(result.ok).toBe(false);
    expect(await shown(text)).toEqual([
      'compose.yaml:4:9: yaml.invalid-merge: a merge key (<<) takes a mapping, an alias of a mapping (*name) or a list of those',
    ]);
  });

  it('still merges a mapping, and a list of mappings', async () => {
    const text = lines(
      'x-a: &a { image: nginx }',
      'x-b: &b { user: "1000" }',
      'services:',
      '  web:',
      '    <<: [*a, *b]',
    );
    const result = await load(text);
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
    expect(result.model.services.web).toMatchObject({ image: 'nginx', user: '1000' });
  });

  it('refuses keys that are not strings, where they are written', async () => {
    expect(
      await shown(lines('services:', '  web:', '    image: nginx', '    labels:', '      true: x')),
    ).toEqual([
      'compose.yaml:5:7: yaml.non-string-key: key true is not a string; quote it ("true":) as Compose reads keys only as text',
    ]);
  });

  it('refuses a tmpfs and a bind on one target, and two volumes on one target', async () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: nginx',
      '    tmpfs: [/cache]',
      '    volumes: ["/srv/a:/cache", "/srv/b:/data", "/srv/c:/data/"]',
    );
    expect((await shown(text)).map((l) => l.split(': ')[1])).toEqual([
      'stack.duplicate-target',
      'stack.duplicate-target',
    ]);
  });

  it('refuses a host IP that is no address, in the short and the long form', async () => {
    const short = await shown(
      lines('services:', '  web:', '    image: nginx', '    ports: ["300.1.1.1:80:80"]'),
    );
    expect(short[0]).toMatch(/stack\.invalid-port: .*'300\.1\.1\.1' is not a host IP address/);
    const long = await shown(
      lines(
        'services:',
        '  web:',
        '    image: nginx',
        '    ports: [{ target: 80, published: 80, host_ip: nope }]',
      ),
    );
    expect(long[0]).toMatch(/stack\.invalid-port: .*'nope' is not a host IP address/);
  });

  it('reads yes/no/on/off booleans as Compose does (init: yes)', async () => {
    const result = await load(
      lines('services:', '  web:', '    image: nginx', '    init: yes', '    tty: "off"'),
    );
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
    expect(result.model.services.web).toMatchObject({ init: true, tty: false });
  });

  it('accepts x- keys inside depends_on entries and ulimits', async () => {
    const result = await load(
      lines(
        'services:',
        '  db: { image: postgres }',
        '  web:',
        '    image: nginx',
        '    depends_on: { db: { condition: service_started, x-note: first } }',
        '    ulimits: { nofile: { soft: 1, hard: 2, x-why: files } }',
      ),
    );
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('refuses valid Compose keys Spin does not run by name, with what to do instead', async () => {
    const problems = await shown(
      lines('services:', '  web:', '    image: nginx', '    cpu_shares: 512', '    mem_swappiness: 0'),
    );
    expect(problems).toEqual([
      'compose.yaml:4:17: unsupported.cpu_shares: services.web.cpu_shares is not supported: Spin limits CPU only through deploy.resources.limits.cpus (or cpus:), the limit the policy checks; set that and remove this key',
      "compose.yaml:5:21: unsupported.mem_swappiness: services.web.mem_swappiness is not supported: Spin limits memory through deploy.resources.limits.memory (or mem_limit:) and leaves swap to the engine's defaults; remove this key",
    ]);
  });

  it('orders a namespace join after its target and finds a join cycle', async () => {
    const ok = await load(
      lines(
        'services:',
        '  app: { image: a, network_mode: "service:vpn", ipc: "service:vpn" }',
        '  vpn: { image: v }',
      ),
    );
    if (!ok.ok) throw new Error(ok.diagnostics.map(formatDiagnostic).join('\n'));
    expect(ok.model.services.app?.dependsOn).toEqual({
      vpn: { condition: 'service_started', required: true, restart: true },
    });
    const cycle = await shown(
      lines('services:', '  a: { image: a, pid: "service:b" }', '  b: { image: b, depends_on: [a] }'),
    );
    expect(cycle.some((l) => /stack\.dependency-cycle/.test(l))).toBe(true);
  });

  it('refuses a folder (or a missing path) bound from the repository, in the words the daemon gate uses', async () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: nginx',
      '    volumes: ["./html:/usr/share/nginx/html:ro", "./a.conf:/a.conf:ro"]',
    );
    const reader = tree({ 'compose.yaml': text, 'a.conf': 'x' }, ['html']);
    const loaded = await loadStack(reader, { project: 'p', env: {} });
    if (!loaded.ok) throw new Error('stack should load');
    const found = await checkBindFileSizes(reader, loaded.model, '', 1024, loaded.document);
    expect(found.map(formatDiagnostic)).toEqual([
      'compose.yaml:4:15: mounts.repo-not-a-file: "./html" is not a file in the repository: Spin delivers files of the repository to bind mounts, not folders (nor missing paths); bind each file on its own (./html/index.html:/usr/share/nginx/html/index.html:ro), ship the folder in the image, or use a config or a volume',
    ]);
  });
});

describe('dotenv files from the repository', () => {
  const stackText = lines(
    'services:',
    '  web:',
    '    image: "nginx:${TAG}"',
    '    env_file: [common.env, { path: local.env, required: false }, more.env]',
    '    environment: { MODE: from-stack }',
  );

  it('reads the folder .env for interpolation (the project env wins) and env_file: entries for containers', async () => {
    const reader = tree({
      'deploy/compose.yaml': stackText,
      'deploy/.env': 'TAG=1.25 # pinned\nHOST=db.internal\n',
      'deploy/common.env': 'export MODE=from-file\nURL="postgres://${HOST}/app"\nMULTI="a\nb"\n',
      'deploy/more.env': "URL='overridden'\nEXTRA=1\n",
    });
    const result = await loadStack(reader, { project: 'p', env: { HOST: 'db.project' }, dir: 'deploy' });
    if (!result.ok) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
    expect(result.model.services.web?.image).toBe('nginx:1.25');
    expect(result.model.services.web?.environment).toEqual({
      URL: 'overridden',
      MULTI: 'a\nb',
      EXTRA: '1',
      MODE: 'from-stack',
    });
  });

  it('locates a missing env_file and a dotenv error, never showing a value', async () => {
    const missing = await loadStack(tree({ 'compose.yaml': stackText, 'common.env': 'A=1\n' }), {
      project: 'p',
      env: { TAG: '1' },
    });
    expect(missing.diagnostics.map(formatDiagnostic)).toEqual([
      'compose.yaml:4:66: stack.missing-file: env_file "more.env" is not a file in the repository (paths are relative to the stack file\'s folder; write required: false if it is optional)',
    ]);
    const broken = await loadStack(tree({ 'compose.yaml': stackText, '.env': 'TAG=1\nSECRET="hunter2\n' }), {
      project: 'p',
      env: {},
    });
    expect(broken.diagnostics.map(formatDiagnostic)).toEqual([
      '.env:2:1: dotenv.unterminated-quote: the value of SECRET opens a " quote that never closes',
    ]);
  });
});

describe('env_file entries cannot leave the repository', () => {
  it('refuses a parent path, an absolute path and a symlink that leads outside, located', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'spin-envfile-'));
    const outside = await mkdtemp(path.join(tmpdir(), 'spin-envfile-outside-'));
    try {
      await writeFile(path.join(outside, 'outside.env'), 'SECRET=from-the-host\n');
      await mkdir(path.join(root, 'stack'));
      await symlink(path.join(outside, 'outside.env'), path.join(root, 'stack', 'link.env'));
      await writeFile(
        path.join(root, 'stack', 'compose.yaml'),
        lines(
          'services:',
          '  a:',
          '    image: nginx',
          `    env_file: [../../${path.basename(outside)}/outside.env]`,
          '  b:',
          '    image: nginx',
          '    env_file: [link.env]',
          '  c:',
          '    image: nginx',
          '    env_file: [/etc/hostname]',
        ),
      );
      const result = await loadStack(new FolderReader(path.join(root, 'stack')), { project: 'p', env: {} });
      expect(result.ok).toBe(false);
      const shown = result.diagnostics.map(formatDiagnostic);
      expect(shown).toEqual([
        expect.stringMatching(
          /^compose\.yaml:4:\d+: mounts\.escape: env_file ".*outside\.env" is not inside the repository/,
        ),
        expect.stringMatching(
          /^compose\.yaml:7:\d+: mounts\.escape: env_file "link\.env" is a symlink that leads outside/,
        ),
        expect.stringMatching(
          /^compose\.yaml:10:\d+: mounts\.escape: env_file "\/etc\/hostname" is not inside the repository/,
        ),
      ]);
      expect(shown.join('\n')).not.toContain('from-the-host');
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });
});
