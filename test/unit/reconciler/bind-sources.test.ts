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

describe('materialiseBindSources', () => {
  it('writes a repository file under stateDir and binds that copy', async () => {
    const reader = new LocalGitSource(repo, 'main').readerAt(commit);
    const stateDir = path.join(tmp, 'state1');
    const resolve = await materialiseBindSources(stackWith('./conf/app.ini'), reader, {
      stateDir,
      commit,
      stackDir: '',
    });
    const copy = resolve('./conf/app.ini');
    expect(copy.startsWith(path.join(stateDir, 'checkouts', 'p', commit))).toBe(true);
    expect(await readFile(copy, 'utf8')).toBe('[app]\n');
  });

  it('a committed symlink becomes a regular file holding the link text, never the host file', async () => {
    const reader = new LocalGitSource(repo, 'main').readerAt(commit);
    const stateDir = path.join(tmp, 'state2');
    const resolve = await materialiseBindSources(stackWith('./host-file'), reader, {
      stateDir,
      commit,
      stackDir: '',
    });
    const copy = resolve('./host-file');
    expect((await lstat(copy)).isFile()).toBe(true);
    expect(await readFile(copy, 'utf8')).toBe('/etc/hostname');
  });

  it('a path through a committed directory symlink is not a file in the repository', async () => {
    const reader = new LocalGitSource(repo, 'main').readerAt(commit);
    await expect(
      materialiseBindSources(stackWith('./host-dir/passwd'), reader, {
        stateDir: path.join(tmp, 'state3'),
        commit,
        stackDir: '',
      }),
    ).rejects.toThrow('is not a file in the repository');
  });
});
