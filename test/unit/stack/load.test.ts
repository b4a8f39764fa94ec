import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import { FolderReader } from '../../../src/stack/fs-reader.js';
import { loadStack, STACK_FILE_NAMES, type LoadResult } from '../../../src/stack/load.js';
import type { FileReader } from '../../../src/stack/source.js';

const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

/** A FileReader over an in-memory tree, like one commit of a repository. */
function files(tree: Record<string, string | Uint8Array>): FileReader {
  return {
    readFile: async (file) => {
      const content = tree[file];
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
  };
}

const shown = (result: LoadResult): string[] => result.diagnostics.map(formatDiagnostic);

describe('loadStack', () => {
  const stack = lines(
    'services:', //                          1
    '  web:', //                             2
    '    image: "nginx:${TAG:-1.27}"', //    3
    '    container_name: web', //            4
    '    ports: ["${PORT}:80"]', //          5
    '    volumes: [data:/data]', //          6
    'volumes:', //                           7
    '  data:', //                            8
  );

  it('finds the stack file in its folder and returns the model, the document and the warnings', async () => {
    const result = await loadStack(files({ 'deploy/compose.yaml': stack }), {
      project: 'gw',
      env: { PORT: '8080' },
      dir: 'deploy',
    });
    if (!result.ok) throw new Error(shown(result).join('\n'));
    expect(result.file).toBe('deploy/compose.yaml');
    expect(result.model.project).toBe('gw');
    expect(result.model.services.web).toMatchObject({
      image: 'nginx:1.27',
      ports: [{ target: 80, published: 8080, protocol: 'tcp' }],
      mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }],
    });
    expect(Object.keys(result.model.volumes)).toEqual(['data']);
    expect(result.document.value).toMatchObject({ services: { web: { image: 'nginx:1.27' } } });
    expect(result.document.locate(['services', 'web', 'ports', 0])).toEqual({ line: 5, column: 13 });
    expect(shown(result)).toEqual([
      'deploy/compose.yaml:4:21: ignored.container_name: services.web.container_name is ignored: Spin names containers <project>_<service>_<n>; other services reach this one by its service name',
    ]);
  });

  it('searches the usual names in order', async () => {
    const load = (tree: Record<string, string>) => loadStack(files(tree), { project: 'p', env: {} });
    const minimal = lines('services:', '  web: { image: a }');
    expect(await load({ 'docker-compose.yml': minimal, 'compose.yml': minimal })).toMatchObject({
      ok: true,
      file: 'compose.yml',
    });
    expect(await load({ 'docker-compose.yml': minimal, 'compose.yaml': minimal })).toMatchObject({
      ok: true,
      file: 'compose.yaml',
    });
    expect(await load({ 'docker-compose.yaml': minimal })).toMatchObject({
      ok: true,
      file: 'docker-compose.yaml',
    });
    expect(STACK_FILE_NAMES).toEqual([
      'compose.yaml',
      'compose.yml',
      'docker-compose.yaml',
      'docker-compose.yml',
    ]);
  });

  it('reads a named file instead when asked', async () => {
    const result = await loadStack(files({ 'ops/prod.yaml': lines('services:', '  web: { image: a }') }), {
      project: 'p',
      env: {},
      dir: 'ops/',
      file: 'prod.yaml',
    });
    expect(result).toMatchObject({ ok: true, file: 'ops/prod.yaml' });
  });

  it('says which names it tried when there is no stack file', async () => {
    const result = await loadStack(files({}), { project: 'p', env: {}, dir: 'deploy' });
    expect(result).toEqual({
      ok: false,
      diagnostics: [
        {
          file: 'deploy',
          line: 0,
          column: 0,
          rule: 'stack.not-found',
          message:
            'no stack file found in deploy (looked for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml)',
          path: '',
        },
      ],
    });
  });

  it('stops at a YAML error', async () => {
    const result = await loadStack(
      files({ 'compose.yaml': lines('services:', '  web:', '    image: a', '    image: b', '    build: .') }),
      {
        project: 'p',
        env: {},
      },
    );
    expect(shown(result)).toEqual([
      "compose.yaml:4:5: yaml.duplicate-key: duplicate key 'image' (a later value would silently replace the earlier one)",
    ]);
  });

  it('stops at interpolation errors, reporting all of them', async () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: ${IMAGE:?set IMAGE}',
      '    user: ${ USER}',
      '    foo: bar',
    );
    const result = await loadStack(files({ 'compose.yaml': text }), { project: 'p', env: {} });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '3:12 interpolate.required',
      '4:11 interpolate.invalid',
    ]);
    expect(result.diagnostics[0]?.message).toBe('required variable IMAGE is not set: set IMAGE');
  });

  it('stops at schema errors, reporting all of them, before refusing unsupported keys', async () => {
    const text = lines('services:', '  web:', '    build: .', '    imagee: a', '    ports: [[80]]');
    const result = await loadStack(files({ 'compose.yaml': text }), { project: 'p', env: {} });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.rule}`)).toEqual([
      'compose.yaml:4:13 schema.additionalProperties',
      'compose.yaml:5:13 schema.type',
    ]);
  });

  it('stops at unsupported keys, with the warnings found so far', async () => {
    const text = lines(
      'version: "3"',
      'services:',
      '  web:',
      '    build: .',
      '    env_file: .env',
      '    environment: [A=$A]',
    );
    const result = await loadStack(files({ 'compose.yaml': text }), { project: 'p', env: {} });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '1:10 ignored.version',
      '4:12 unsupported.build',
      '6:19 interpolate.unset',
    ]);
  });

  it('reports every normalisation error', async () => {
    const text = lines(
      'services:',
      '  web:',
      '    image: a',
      '    volumes: [logs:/logs]',
      '    depends_on: [db]',
      '    networks: [back]',
    );
    const result = await loadStack(files({ 'compose.yaml': text }), { project: 'p', env: {} });
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.rule}`)).toEqual([
      '4:15 stack.undeclared-volume',
      '5:18 stack.unknown-service',
      '6:16 stack.undeclared-network',
    ]);
  });

  it('reads only the env it is given', async () => {
    process.env.SPIN_LOAD_TEST_TAG = 'from-the-daemon';
    try {
      const text = lines('services:', '  web: { image: "app:${SPIN_LOAD_TEST_TAG:-default}" }');
      const result = await loadStack(files({ 'compose.yaml': text }), { project: 'p', env: {} });
      expect(result.ok && result.model.services.web?.image).toBe('app:default');
    } finally {
      delete process.env.SPIN_LOAD_TEST_TAG;
    }
  });

  it('refuses files that are not UTF-8 or too large', async () => {
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode('services: {web: {image: caf'),
      0xe9,
      0x7d,
      0x7d,
      0x0a,
    ]);
    expect(shown(await loadStack(files({ 'compose.yaml': latin1 }), { project: 'p', env: {} }))).toEqual([
      'compose.yaml:1:1: input.encoding: the file is not valid UTF-8 text',
    ]);
    const big = lines('services: {}', `x-pad: "${'a'.repeat(2000)}"`);
    const result = await loadStack(files({ 'compose.yaml': big }), {
      project: 'p',
      env: {},
      limits: { maxBytes: 1000 },
    });
    expect(result.diagnostics).toMatchObject([{ rule: 'input.too-large', line: 0 }]);
  });
});

describe('FolderReader', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'spin-reader-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'spin-outside-'));
  mkdirSync(path.join(root, 'deploy'));
  writeFileSync(path.join(root, 'deploy', 'compose.yaml'), lines('services:', '  web: { image: a }'));
  writeFileSync(path.join(outside, 'secret.yaml'), 'services: {}\n');
  symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'escape.yaml'));
  symlinkSync(path.join(root, 'deploy', 'compose.yaml'), path.join(root, 'inside.yaml'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const reader = new FolderReader(root);

  it('reads files by POSIX path relative to the folder', async () => {
    expect(new TextDecoder().decode(await reader.readFile('deploy/compose.yaml'))).toContain('image: a');
    expect(await reader.readFile('inside.yaml')).toBeDefined();
  });

  it('returns undefined for a missing file or a folder', async () => {
    expect(await reader.readFile('nope.yaml')).toBeUndefined();
    expect(await reader.readFile('deploy/compose.yaml/x')).toBeUndefined();
    expect(await reader.readFile('deploy')).toBeUndefined();
  });

  it('refuses paths that lead outside the folder, directly or through a symlink', async () => {
    await expect(reader.readFile('../secret.yaml')).rejects.toThrow(/outside/);
    await expect(reader.readFile('deploy/../../x')).rejects.toThrow(/outside/);
    await expect(reader.readFile('escape.yaml')).rejects.toThrow(/outside/);
  });

  it('serves loadStack', async () => {
    expect(await loadStack(reader, { project: 'p', env: {}, dir: 'deploy' })).toMatchObject({
      ok: true,
      file: 'deploy/compose.yaml',
    });
  });
});
