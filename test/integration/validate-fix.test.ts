/**
 * `spin validate --fix` through the real CLI: writes the file (or only prints the diff with
 * --dry-run), is idempotent, refuses what needs a person with a located message and exit 1,
 * reports in JSON, and pins an image to the digest the real engine holds after a real pull.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../helpers/docker.js';
import { WEB_IMAGE } from '../helpers/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runSpin } from '../helpers/spin-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

let tmp: string;

const LAPTOP = `# a stack as written on a laptop
services:
  web:
    image: "spin-test/web:1"   # the site
    ports:
      - "8080:8080"
    volumes:
      - ./index.html:/www/index.html

volumes: {}
`;

async function stackIn(name: string, text: string): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'compose.yaml'), text);
  await writeFile(path.join(dir, 'index.html'), 'hello\n');
  return dir;
}

beforeAll(async () => {
  tmp = await makeTempDir('validate-fix');
});

afterAll(async () => {
  await removeTempDir(tmp);
});

describe('spin validate --fix', () => {
  it('--dry-run prints the diff and writes nothing; the run writes it; a second run changes nothing', async () => {
    const dir = await stackIn('laptop', LAPTOP);
    expect((await runSpin(['validate', dir])).code).toBe(1);

    const dry = await runSpin(['validate', dir, '--fix', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('--- a/compose.yaml\n+++ b/compose.yaml\n');
    expect(dry.stdout).toContain(
      '-      - ./index.html:/www/index.html\n+      - ./index.html:/www/index.html:ro\n',
    );
    expect(dry.stdout).toContain('+    cap_drop: [ALL]\n+    security_opt: [no-new-privileges:true]\n');
    expect(dry.stdout).toContain('dry run, not written');
    expect(await readFile(path.join(dir, 'compose.yaml'), 'utf8')).toBe(LAPTOP);

    const run = await runSpin(['validate', dir, '--fix']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(dry.stdout.replace('(dry run, not written)', 'written'));
    const fixed = await readFile(path.join(dir, 'compose.yaml'), 'utf8');
    expect(fixed).toContain('    image: "spin-test/web:1"   # the site\n');
    expect(fixed).toContain('\nvolumes: {}\n');
    expect((await runSpin(['validate', dir])).code).toBe(0);

    const again = await runSpin(['validate', dir, '--fix']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('---');
    expect(again.stdout).toContain('nothing to change; valid');
    expect(await readFile(path.join(dir, 'compose.yaml'), 'utf8')).toBe(fixed);
  });

  it('leaves privileged, added capabilities and low ports for a person: located, exit 1, safe fixes still written', async () => {
    const text = LAPTOP.replace('"8080:8080"', '"80:8080"').replace(
      '    ports:',
      '    privileged: true\n    cap_add: [SYS_ADMIN]\n    ports:',
    );
    const dir = await stackIn('needs-a-person', text);
    const run = await runSpin(['validate', dir, '--fix']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^compose\.yaml:5:17: privilege\.privileged: .*\(not fixed: needs a person/m);
    expect(run.stderr).toMatch(/^compose\.yaml:6:15: privilege\.cap-add: .*\(not fixed: needs a person/m);
    expect(run.stderr).toMatch(/^compose\.yaml:8:9: ports\.privileged: .*\(not fixed: needs a person/m);
    expect(run.stdout).toContain('3 left for a person');
    const written = await readFile(path.join(dir, 'compose.yaml'), 'utf8');
    expect(written).toContain('    privileged: true\n');
    expect(written).toContain('    cap_drop: [ALL]\n');
  });

  it('--json reports the diff, the changes and what is left, with reasons', async () => {
    const dir = await stackIn('json', LAPTOP.replace('spin-test/web:1', 'spin-test/web'));
    const run = await runSpin(['validate', dir, '--fix', '--dry-run', '--no-engine', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      changed: boolean;
      written: boolean;
      diff: string;
      applied: { rule: string; service: string }[];
      remaining: { rule: string; line: number; reason: string; severity: string }[];
      notes: string[];
    };
    expect(report.changed).toBe(true);
    expect(report.written).toBe(false);
    expect(report.diff).toContain('+    cap_drop: [ALL]');
    expect(report.applied.map((a) => a.rule)).toEqual(
      expect.arrayContaining(['privilege.cap-drop-all', 'resources.limits-required', 'mounts.repo-writable']),
    );
    expect(report.remaining).toEqual([
      expect.objectContaining({
        rule: 'image.tag-required',
        line: 4,
        severity: 'error',
        reason: expect.stringContaining('--no-engine'),
      }),
    ]);
    expect(report.notes).toEqual([expect.stringContaining('--no-engine')]);
  });

  it('on a file it cannot read as a stack, reports the finding like validate (exit 1, never a crash)', async () => {
    // Each once ended in exit 2: a file that does not parse was taken for a broken fix, a folder
    // named compose.yaml was read as a file, and bytes that are not UTF-8 were decoded first.
    const cases: Array<[string, string | Buffer, RegExp]> = [
      [
        'merge-scalar',
        'services:\n  s:\n    <<: [1, 2]\n    image: busybox:1\n',
        /^compose\.yaml:3:9: yaml\.invalid-merge: /m,
      ],
      ['not-utf8', Buffer.from([0xff, 0xfe, 0x00, 0x62]), /^compose\.yaml:1:1: input\.encoding: /m],
      ['folder', '', /stack\.not-found: /],
    ];
    for (const [name, content, finding] of cases) {
      const dir = path.join(tmp, name);
      if (name === 'folder') await mkdir(path.join(dir, 'compose.yaml'), { recursive: true });
      else {
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'compose.yaml'), content);
      }
      const run = await runSpin(['validate', dir, '--fix', '--no-engine']);
      expect(run.code, `${name}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toMatch(finding);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses --dry-run without --fix as a usage error', async () => {
    const dir = await stackIn('usage', LAPTOP);
    expect((await runSpin(['validate', dir, '--dry-run'])).code).toBe(2);
  });
});

describe('spin validate --fix with the engine', () => {
  let registry: TestRegistry;
  let ref: string;

  beforeAll(async () => {
    registry = await startRegistry();
    const repository = `laptop-${process.pid}/web`;
    await registry.push(WEB_IMAGE, repository, 'latest');
    ref = `${registry.host}/${repository}:latest`;
    // A real pull: the engine now holds the registry's digest for this repository.
    const stream = await docker().pull(ref);
    await new Promise((resolve, reject) =>
      docker().modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))),
    );
  });

  afterAll(async () => {
    await docker()
      .getImage(ref)
      .remove({ noprune: true })
      .catch(() => {});
    await registry?.stop();
  });

  it('pins a moving tag to the digest the engine pulled, and leaves a local-only image with the reason', async () => {
    const localRepo = `spin-test-laptop-${process.pid}/web`;
    const local = `${localRepo}:latest`;
    const info = await docker().getImage(ref).inspect();
    const digest = (info.RepoDigests ?? [])[0]?.split('@')[1];
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const text = LAPTOP.replace('"spin-test/web:1"', `"${ref}"`).replace(
      '\nvolumes: {}',
      `  local:\n    image: ${local}\n\nvolumes: {}`,
    );
    await docker().getImage(WEB_IMAGE).tag({ repo: localRepo, tag: 'latest' });
    try {
      const dir = await stackIn('pin', text);
      const run = await runSpin(['validate', dir, '--fix']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`+    image: "${ref}@${digest}"   # the site\n`);
      expect(run.stderr).toMatch(
        /image\.latest: .*not fixed: the engine holds no registry digest for "spin-test-laptop-\d+\/web:latest"/,
      );
      expect(await readFile(path.join(dir, 'compose.yaml'), 'utf8')).toContain(`"${ref}@${digest}"`);
    } finally {
      await docker()
        .getImage(local)
        .remove({ noprune: true })
        .catch(() => {});
    }
  });

  it('goes on without the engine when it does not answer, and says so', async () => {
    const dir = await stackIn('no-engine', LAPTOP.replace('spin-test/web:1', 'spin-test/web:latest'));
    const run = await runSpin(['validate', dir, '--fix', '--dry-run'], {
      env: { DOCKER_HOST: 'tcp://127.0.0.1:9' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the Docker engine did not answer, so images were not pinned');
    expect(run.stdout).toContain('+    cap_drop: [ALL]');
  });
});
