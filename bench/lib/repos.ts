/**
 * Bare repositories for the git smart-HTTP server, written in-process with isomorphic-git (one
 * commit of a few files costs about a millisecond, where the git CLI costs a few process starts).
 * Writing a new commit and moving refs/heads/main is what a push does to the server's repository.
 */
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';

const AUTHOR = { name: 'Spin Bench', email: 'bench@example.invalid', timezoneOffset: 0 };

/** `git init --bare <root>/<name>.git` with HEAD on main; returns the git dir. */
export async function createBareRepo(root: string, name: string): Promise<string> {
  const gitdir = path.join(root, `${name}.git`);
  await mkdir(gitdir, { recursive: true });
  await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  return gitdir;
}

/** Commits `files` (top-level names only) on main, on top of the current head; returns the sha. */
export async function commitToBare(
  gitdir: string,
  files: Record<string, string>,
  message: string,
): Promise<string> {
  const tree = await git.writeTree({
    fs,
    gitdir,
    tree: await Promise.all(
      Object.entries(files)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(async ([file, content]) => ({
          mode: '100644',
          path: file,
          type: 'blob' as const,
          oid: await git.writeBlob({ fs, gitdir, blob: Buffer.from(content) }),
        })),
    ),
  });
  let parent: string[] = [];
  try {
    parent = [await git.resolveRef({ fs, gitdir, ref: 'refs/heads/main' })];
  } catch {
    // first commit
  }
  const who = { ...AUTHOR, timestamp: Math.floor(Date.now() / 1000) };
  const oid = await git.writeCommit({
    fs,
    gitdir,
    commit: { message: `${message}\n`, tree, parent, author: who, committer: who },
  });
  await git.writeRef({ fs, gitdir, ref: 'refs/heads/main', value: oid, force: true });
  return oid;
}
