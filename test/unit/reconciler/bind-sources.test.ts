import { mkdtemp, readFile, rm, symlink, lstat, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalGitSource } from '../../../src/git/local-source.js';
import { materialiseBindSources } from '../../../src/reconciler/bind-sources.js';
import { commitAll, runGit, writeFiles } from '../../helpers/git-server.js';
import { model, service } from './fixtures.js';

// A repository's files are read from git objects, never from a work tree, and written out as
// regular files: a committed symlink cannot point a bind mount at the host.
let tmp: string;
let repo: string;
let commit: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'spin-bind-sources-'));
  repo = path.join(tmp, 'repo');
  await mkdir(repo);
  await runGit(['init', '-q', '-b', 'main'], repo);
  await runGit(['config', 'user.email', 'spin-test@example.invalid'], repo);
  await runGit(['config', 'user.name', 'Spin test'], repo);
  await writeFiles(repo, { 'conf/app.ini': '[app]\n' });
  await symlink('/etc/hostname', path.join(repo, 'host-file'));
  await symlink('/etc', path.join(repo, 'host-dir'));
  commit = await commitAll(repo, 'files and links');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const stackWith = (source: string) =>
  model('p', [service('app', { mounts: [{ type: 'bind', source, target: '/x', readOnly: true }] as never })]);

/** Materialises `source` of the test commit into a fresh stateDir; returns where it was written. */
async function materialise(source: string, stateDirName: string) {
  const reader = new LocalGitSource(repo, 'main').readerAt(commit);
  const stateDir = path.join(tmp, stateDirName);
  const resolve = await materialiseBindSources(stackWith(source), reader, { stateDir, commit, stackDir: '' });
  return { stateDir, copy: resolve(source) };
}

describe('materialiseBindSources', () => {
  it('writes a repository file under stateDir and binds that copy', async () => {
    const { stateDir, copy } = await materialise('./conf/app.ini', 'state1');
    expect(copy.startsWith(path.join(stateDir, 'checkouts', 'p', commit))).toBe(true);
    expect(await readFile(copy, 'utf8')).toBe('[app]\n');
  });

  it('a committed symlink becomes a regular file holding the link text, never the host file', async () => {
    const { copy } = await materialise('./host-file', 'state2');
    expect((await lstat(copy)).isFile()).toBe(true);
    expect(await readFile(copy, 'utf8')).toBe('/etc/hostname');
  });

  it('a path through a committed directory symlink is not a file in the repository', async () => {
    await expect(materialise('./host-dir/passwd', 'state3')).rejects.toThrow(
      'is not a file in the repository',
    );
  });
});
