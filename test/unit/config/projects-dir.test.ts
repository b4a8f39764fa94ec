import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { isProjectsFileName, readProjectsDir } from '../../../src/config/projects-dir.js';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import { cleanupTempDirs, makeTempDir } from '../../helpers/tmp.js';

const MAIN = '/etc/spin/spin.yaml';
const D = '/etc/spin/projects.d';
const main = `pollInterval: 30s
projects:
  - name: alpha
    repo: ./repos/alpha
`;

const parse = (files: Record<string, string>, text = main) =>
  parseConfig(
    MAIN,
    text,
    Object.entries(files).map(([name, body]) => ({ file: path.join(D, name), text: body })),
  );
const errors = (result: ReturnType<typeof parse>) =>
  result.ok ? [] : result.diagnostics.map(formatDiagnostic);

afterAll(cleanupTempDirs);

describe('projects.d merging (pure)', () => {
  it('adds each file’s projects after the main file’s, in the order given', () => {
    const result = parse({
      '10-physics.yaml':
        'projects:\n  - { name: phys-a, repo: http://git/a.git }\n  - { name: phys-b, repo: ../b }\n',
      '20-bio.yaml': 'projects:\n  - name: bio\n    repo: http://git/bio.git\n    pollInterval: 5s\n',
    });
    if (!result.ok) throw new Error(errors(result).join('\n'));
    expect(result.config.projects.map((p) => [p.name, p.definedIn])).toEqual([
      ['alpha', MAIN],
      ['phys-a', path.join(D, '10-physics.yaml')],
      ['phys-b', path.join(D, '10-physics.yaml')],
      ['bio', path.join(D, '20-bio.yaml')],
    ]);
    // Relative paths are relative to the file that holds them; defaults come from the main file.
    expect(result.config.projects[2]?.repo).toEqual({ kind: 'local', path: '/etc/spin/b' });
    expect(result.config.projects[0]?.repo).toEqual({ kind: 'local', path: '/etc/spin/repos/alpha' });
    expect(result.config.projects.map((p) => p.pollIntervalMs)).toEqual([30_000, 30_000, 30_000, 5_000]);
  });

  it('lets the main file hold no projects at all', () => {
    const result = parse(
      { 'a.yaml': 'projects:\n  - { name: only, repo: x }\n' },
      'stateDir: /var/lib/spin\n',
    );
    expect(result.ok && result.config.projects.map((p) => p.name)).toEqual(['only']);
  });

  it('uses the main file’s named policies', () => {
    const text = `${main}policies:\n  strict: { extends: spin-default }\n`;
    const good = parse({ 'a.yaml': 'projects:\n  - { name: b, repo: x, policy: strict }\n' }, text);
    expect(good.ok && good.config.projects[1]?.policyName).toBe('strict');
    const bad = parse({ 'a.yaml': 'projects:\n  - { name: b, repo: x, policy: nope }\n' }, text);
    expect(errors(bad)).toEqual([
      expect.stringMatching(/^\/etc\/spin\/projects\.d\/a\.yaml:2:\d+: config\.policy: /),
    ]);
  });

  it('refuses a name defined in two files, located at the second and naming both', () => {
    const result = parse({
      'a.yaml': 'projects:\n  - { name: beta, repo: x }\n',
      'b.yaml': '# again\nprojects:\n  - name: alpha\n    repo: y\n  - name: beta\n    repo: z\n',
    });
    expect(errors(result)).toEqual([
      `${D}/b.yaml:3:11: config.duplicate-project: project 'alpha' is defined in both ${MAIN}:3:11 and ${D}/b.yaml:3:11; remove one or rename it`,
      `${D}/b.yaml:5:11: config.duplicate-project: project 'beta' is defined in both ${D}/a.yaml:2:13 and ${D}/b.yaml:5:11; remove one or rename it`,
    ]);
  });

  it('refuses a name listed twice in one projects.d file', () => {
    const result = parse({ 'a.yaml': 'projects:\n  - { name: b, repo: x }\n  - { name: b, repo: y }\n' });
    expect(errors(result)).toEqual([
      `${D}/a.yaml:3:13: config.duplicate-project: project 'b' is listed twice (first at line 2); remove one or rename it`,
    ]);
  });

  it('checks a projects.d file against the project schema, with did-you-mean, located in that file', () => {
    const result = parse({
      'a.yaml': 'projects:\n  - name: b\n    repo: x\n    brnach: main\n',
      'b.yaml': 'project:\n  - { name: c, repo: x }\n',
      'c.yaml': 'projects: []\n',
      'd.yaml': 'projects: [ {name: d\n',
    });
    const lines = errors(result);
    expect(lines).toContain(
      `${D}/a.yaml:4:13: config.additionalProperties: unknown key 'brnach' in projects.0 (did you mean 'branch'?)`,
    );
    expect(lines).toContain(
      `${D}/b.yaml:2:3: config.additionalProperties: unknown key 'project' at the top level (did you mean 'projects'?)`,
    );
    expect(lines.some((l) => l.startsWith(`${D}/c.yaml:1:11: config.minItems`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${D}/d.yaml:`) && l.includes('yaml'))).toBe(true);
  });
});

describe('did you mean, in the main file', () => {
  it('suggests the nearest known key at the top level and inside a project', () => {
    const result = parseConfig(
      'spin.yaml',
      'pollIntervall: 5s\napi: { lisen: 127.0.0.1:7070 }\nprojects:\n  - { name: a, repo: x, webhookSecert: s }\n',
    );
    const messages = result.ok ? [] : result.diagnostics.map((d) => d.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "unknown key 'pollIntervall' at the top level (did you mean 'pollInterval'?)",
        "unknown key 'lisen' in api (did you mean 'listen'?)",
        "unknown key 'webhookSecert' in projects.0 (did you mean 'webhookSecret'?)",
      ]),
    );
  });

  it('offers nothing when no key is near', () => {
    const result = parseConfig('spin.yaml', 'projects: []\ncolour: blue\n');
    expect(!result.ok && result.diagnostics.map((d) => d.message)).toEqual([
      "unknown key 'colour' at the top level",
    ]);
  });
});

describe('reading projects.d', () => {
  it('reads *.yaml in code-point name order, skipping hidden files, other names and folders', async () => {
    const tmp = await makeTempDir('projects-d');
    const dir = path.join(tmp, 'projects.d');
    await mkdir(path.join(dir, 'sub.yaml'), { recursive: true });
    for (const name of [
      'b.yaml',
      'B.yaml',
      'a-2.yaml',
      'a.yaml',
      '.a.yaml',
      'notes.txt',
      'x.yaml.orig',
      'y.yml',
    ])
      await writeFile(path.join(dir, name), `# ${name}\n`);
    const { files, diagnostics } = await readProjectsDir(path.join(tmp, 'spin.yaml'));
    expect(diagnostics).toEqual([]);
    expect(files.map((f) => path.basename(f.file))).toEqual(['B.yaml', 'a-2.yaml', 'a.yaml', 'b.yaml']);
    expect(files[0]).toEqual({ file: path.join(dir, 'B.yaml'), text: '# B.yaml\n' });
  });

  it('is empty when there is no projects.d', async () => {
    const tmp = await makeTempDir('projects-d');
    expect(await readProjectsDir(path.join(tmp, 'spin.yaml'))).toEqual({ files: [], diagnostics: [] });
  });

  it('names the files it takes', () => {
    expect(
      ['a.yaml', '.a.yaml', '.#a.yaml', 'a.yaml~', 'a.yml', 'a.yaml.swp'].filter(isProjectsFileName),
    ).toEqual(['a.yaml']);
  });
});
