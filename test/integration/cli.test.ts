import { readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../helpers/git-server.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';
import { runSpin } from '../helpers/spin-cli.js';

/** The `spin` binary as a researcher runs it on a laptop: offline commands, exit codes, output formats. */
let tmp: string;
const corpus = path.resolve(process.cwd(), '../shared/corpus/awesome-compose');

const good = `services:
  web:
    image: registry.example.org/gateway/web:\${TAG}
    deploy: { resources: { limits: { memory: 64m, cpus: "0.5" } } }
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    environment:
      MODE: \${MODE:-production}
`;

beforeAll(async () => {
  tmp = await makeTempDir('cli');
  await writeFiles(path.join(tmp, 'good'), { 'compose.yaml': good });
  await writeFiles(path.join(tmp, 'bad'), {
    'compose.yaml': 'services:\n  web:\n    image: x:1\n    build: .\n    frobnicate: true\n',
  });
  await writeFiles(path.join(tmp, 'envfile'), { 'vars.env': '# comment\nTAG="2.1"\nexport MODE=debug\n' });
});
afterAll(() => removeTempDir(tmp));

describe('spin validate', () => {
  it('exits 0 for a valid stack and says so', async () => {
    const r = await runSpin(['validate', path.join(tmp, 'good'), '--env', 'TAG=1.0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid \(1 service, policy spin-default\)/);
  });

  it('exits 1 and prints FILE:LINE:COL: RULE: message for each problem', async () => {
    const r = await runSpin(['validate', path.join(tmp, 'bad')]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toMatch(/^compose\.yaml:\d+:\d+: [a-z-]+\.[A-Za-z_.-]+: .+/);
    expect(r.stderr).toMatch(/compose\.yaml:5:\d+: schema\.additionalProperties: .*frobnicate/);
  });

  it('prints a JSON array of located errors and warnings, each with its severity, with --json', async () => {
    const r = await runSpin(['validate', path.join(tmp, 'bad', 'compose.yaml'), '--json']);
    expect(r.code).toBe(1);
    const errors = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors)
      expect(Object.keys(e).sort()).toEqual([
        'column',
        'file',
        'line',
        'message',
        'path',
        'rule',
        'severity',
      ]);
    expect(errors).toContainEqual(
      expect.objectContaining({ rule: 'schema.additionalProperties', line: 5, severity: 'error' }),
    );
  });

  it('refuses configs/secrets files and a stack file that are symlinks out of the folder: located, exit 1, no trace', async () => {
    const outside = path.join(tmp, 'outside');
    await writeFiles(outside, { 'host.conf': 'not for the stack\n', 'compose.yaml': good });
    const dir = path.join(tmp, 'symlinks');
    await writeFiles(dir, {
      'compose.yaml': `${good}    configs: [c]\n    secrets: [s]\nconfigs:\n  c:\n    file: ./c.conf\nsecrets:\n  s:\n    file: ./s.age\n`,
    });
    await symlink(path.join(outside, 'host.conf'), path.join(dir, 'c.conf'));
    await symlink('../outside/host.conf', path.join(dir, 's.age'));
    const r = await runSpin(['validate', dir, '--env', 'TAG=1.0']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\bat \S+ \(|Error:/);
    expect(r.stderr).toMatch(
      /^compose\.yaml:13:11: mounts\.escape: "\.\/c\.conf" is a symlink that leads outside/m,
    );
    expect(r.stderr).toMatch(/^compose\.yaml:16:11: mounts\.escape: "\.\/s\.age" is a symlink/m);
    expect(r.stderr).not.toContain('not for the stack');

    const linked = path.join(tmp, 'linked-stack');
    await writeFiles(linked, { 'README.md': 'x\n' });
    await symlink(path.join(outside, 'compose.yaml'), path.join(linked, 'compose.yaml'));
    const s = await runSpin(['validate', linked, '--env', 'TAG=1.0']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/^compose\.yaml:0:0: mounts\.escape: /m);
  });

  it('refuses a repository file a bind names over mounts.maxRepositoryFileBytes, from its size on disk', async () => {
    const dir = path.join(tmp, 'bigfile');
    await writeFiles(dir, {
      'compose.yaml': `${good}    volumes: ["./small.txt:/small.txt:ro", "./big.bin:/big.bin:ro", "./link.txt:/l.txt:ro"]\n`,
      'small.txt': 'x'.repeat(1024),
      'big.bin': '\0'.repeat(1025),
      'policy.yaml': 'mounts:\n  maxRepositoryFileBytes: 1k\n',
    });
    await symlink('/etc/hostname', path.join(dir, 'link.txt'));
    const r = await runSpin(['validate', dir, '--env', 'TAG=1.0', '--policy', path.join(dir, 'policy.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^compose\.yaml:9:\d+: mounts\.repo-file-size: "\.\/big\.bin" is 1025 bytes; .* at most 1024 bytes/,
      ),
      expect.stringMatching(
        /^compose\.yaml:9:\d+: mounts\.escape: "\.\/link\.txt" is a symlink that leads outside/,
      ),
    ]);
  });

  it('exits 2 for a path that does not exist', async () => {
    const r = await runSpin(['validate', path.join(tmp, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such file or folder');
  });

  it('exits 2 for an unknown option', async () => {
    expect((await runSpin(['validate', '--frob'])).code).toBe(2);
  });

  it('reads variables from --env-file and --env, never from its own environment', async () => {
    const r = await runSpin([
      'config',
      path.join(tmp, 'good'),
      '--env-file',
      path.join(tmp, 'envfile', 'vars.env'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const model = JSON.parse(r.stdout) as {
      services: Record<string, { image: string; environment: Record<string, string> }>;
    };
    expect(model.services.web?.image).toBe('registry.example.org/gateway/web:2.1');
    expect(model.services.web?.environment).toEqual({ MODE: 'debug' });
    const override = await runSpin(['config', path.join(tmp, 'good'), '--env', 'TAG=3', '--json']);
    expect(JSON.parse(override.stdout).services.web.image).toBe('registry.example.org/gateway/web:3');
  });

  it('reads --env-file, env_file: and the folder .env with Compose dotenv rules', async () => {
    const dir = path.join(tmp, 'dotenv');
    await writeFiles(dir, {
      'compose.yaml': `${good}    env_file: [app.env]\n`,
      '.env': 'TAG=from-dotenv # the folder .env\n',
      'app.env': 'GREETING="hello\\nworld"\nPEM="line1\nline2"\nLITERAL=\'$HOME\'\n',
      'cli.env': 'export MODE=debug # inline comment\n',
      'broken.env': 'A=1\nBAD KEY=2\n',
    });
    const r = await runSpin(['config', dir, '--env-file', path.join(dir, 'cli.env'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const web = (
      JSON.parse(r.stdout) as { services: Record<string, { image: string; environment: unknown }> }
    ).services.web;
    expect(web?.image).toBe('registry.example.org/gateway/web:from-dotenv');
    expect(web?.environment).toEqual({
      GREETING: 'hello\nworld',
      PEM: 'line1\nline2',
      LITERAL: '$HOME',
      MODE: 'debug',
    });
    const broken = await runSpin(['config', dir, '--env-file', path.join(dir, 'broken.env')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(
      /broken\.env:2:1: dotenv\.invalid-name: variable name "BAD KEY" holds a space/,
    );
  });

  it('prints warnings from spin config on stderr and keeps them, with severity, in validate --json', async () => {
    const dir = path.join(tmp, 'warnings');
    await writeFiles(dir, { 'compose.yaml': `version: "3"\n${good}` });
    const config = await runSpin(['config', dir, '--env', 'TAG=1']);
    expect(config.code).toBe(0);
    expect(config.stderr).toMatch(/^compose\.yaml:1:\d+: ignored\.version: .* \(warning\)$/m);
    const validate = await runSpin(['validate', dir, '--env', 'TAG=1', '--json']);
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toEqual([
      expect.objectContaining({ rule: 'ignored.version', severity: 'warning' }),
    ]);
  });

  it("refuses a folder bound from the repository in validate, located, in the daemon gate's words", async () => {
    const dir = path.join(tmp, 'folder-bind');
    await writeFiles(dir, {
      'compose.yaml': `${good}    volumes: ["./html:/usr/share/nginx/html:ro"]\n`,
      'html/index.html': '<p>hi</p>\n',
    });
    const r = await runSpin(['validate', dir, '--env', 'TAG=1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^compose\.yaml:9:\d+: mounts\.repo-not-a-file: "\.\/html" is not a file in the repository: Spin delivers files of the repository to bind mounts, not folders/m,
    );
  });

  it('answers --help for every command', async () => {
    for (const command of ['daemon', 'validate', 'config', 'plan', 'status', 'sync']) {
      const r = await runSpin([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`Usage: spin ${command}`);
    }
  });
});

describe('spin validate over the awesome-compose corpus', () => {
  it('reads every real compose file: exit 0 or 1, never a crash, every refusal located', async () => {
    let entries: string[];
    try {
      entries = (await readdir(corpus, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      throw new Error(
        `../shared/corpus/awesome-compose is missing (expected at ${corpus}); this test needs ../shared`,
      );
    }
    expect(entries.length).toBeGreaterThan(30);
    const verdicts: Record<string, number> = {};
    for (const name of entries) {
      const r = await runSpin(['validate', path.join(corpus, name), '--json']);
      verdicts[name] = r.code;
      expect([0, 1], `${name}: ${r.stderr}`).toContain(r.code);
      const all = JSON.parse(r.stdout) as {
        line: number;
        column: number;
        rule: string;
        file: string;
        severity: string;
      }[];
      for (const d of all) expect(['error', 'warning']).toContain(d.severity);
      const errors = all.filter((d) => d.severity === 'error');
      if (r.code === 1) {
        expect(errors.length, name).toBeGreaterThan(0);
        for (const e of errors) {
          expect(e.line, `${name}: ${JSON.stringify(e)}`).toBeGreaterThanOrEqual(1);
          expect(e.rule).toMatch(/^[a-z]+\.[A-Za-z_.-]+$/);
          expect(e.rule).not.toMatch(/^ignored\./);
          expect(e.file).toMatch(/compose\.ya?ml$/);
        }
      } else expect(errors).toEqual([]);
    }
    // The default policy is strict (limits, cap_drop ALL...): real-world files are mostly refused.
    expect(Object.values(verdicts).filter((c) => c === 1).length).toBeGreaterThan(30);
    // ~40 node processes one after another: seconds on a quiet machine, minutes on a loaded one.
  }, 300_000);
});
