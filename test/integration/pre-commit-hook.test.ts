/**
 * contrib/pre-commit in a real git repository with the real `spin` binary: a commit whose staged
 * stack fails the centre's policy is refused (and says why, located), a good one is accepted, and
 * it is the staged version that counts, not the working tree.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPIN_BIN } from '../helpers/spin-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const HOOK = path.resolve(import.meta.dirname, '../../contrib/pre-commit');

let repo: string;

const GOOD = `services:
  web:
    image: spin-test/web:1
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    ports: ["127.0.0.1:8080:8080"]
    deploy: { resources: { limits: { memory: 64m, cpus: "0.5" } } }
`;

async function git(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('git', args, { cwd: repo, env: { ...process.env, SPIN: SPIN_BIN } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function commit(files: Record<string, string>, message: string) {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(repo, name)), { recursive: true });
    await writeFile(path.join(repo, name), text);
    await git('add', name);
  }
  return git('commit', '-q', '-m', message);
}

beforeAll(async () => {
  repo = await makeTempDir('pre-commit');
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'researcher@example.org');
  await git('config', 'user.name', 'Researcher');
  await copyFile(HOOK, path.join(repo, '.git', 'hooks', 'pre-commit'));
  // The centre's policy, kept in the repository: only 127.0.0.1 may publish ports.
  await writeFile(path.join(repo, 'centre-policy.yaml'), 'network:\n  hostIps: [127.0.0.1]\n');
  await git('config', 'spin.policy', 'centre-policy.yaml');
});

afterAll(async () => {
  await removeTempDir(repo);
});

describe('contrib/pre-commit', () => {
  it('accepts a commit whose stack passes the centre policy', async () => {
    const result = await commit({ 'gateway/compose.yaml': GOOD }, 'good stack');
    expect(result.code, result.out).toBe(0);
    expect((await git('log', '--oneline')).out).toContain('good stack');
  });

  it('refuses a commit whose stack breaks the centre policy, with the located finding', async () => {
    const bad = GOOD.replace('127.0.0.1:8080:8080', '8080:8080');
    const result = await commit({ 'gateway/compose.yaml': bad }, 'publish on all interfaces');
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/compose\.yaml:6:\d+: ports\.host-ip: /);
    expect(result.out).toContain('commit refused');
    expect((await git('log', '--oneline')).out).not.toContain('publish on all interfaces');
  });

  it('judges the staged stack, not the working tree', async () => {
    // Staged: the bad stack from before. Working tree: the good one, not staged.
    await writeFile(path.join(repo, 'gateway/compose.yaml'), GOOD);
    const refused = await git('commit', '-q', '-m', 'only the working tree is fixed');
    expect(refused.code).not.toBe(0);
    await git('add', 'gateway/compose.yaml');
    const accepted = await git('commit', '-q', '--allow-empty', '-m', 'fixed and staged');
    expect(accepted.code, accepted.out).toBe(0);
  });

  it('ignores commits that touch no folder with a stack', async () => {
    const result = await commit({ 'README.md': 'notes\n' }, 'docs only');
    expect(result.code, result.out).toBe(0);
  });
});
