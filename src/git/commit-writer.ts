import fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';

/** A commit Spin writes on top of the deploy branch's head (semver image updates). */
export interface CommitChange {
  /** The commit the change is made on: the head that was gated. */
  parent: string;
  /** Repository path (POSIX) -> new content; each path must be an existing file. */
  files: Record<string, string>;
  message: string;
  author: { name: string; email: string };
}

/**
 * Writes the blobs, the trees on their paths and the commit into `gitdir` (no ref moves) and
 * returns the commit's sha. Every other entry of every tree is kept as it is, modes included.
 */
export async function writeCommitObject(
  gitdir: string,
  change: CommitChange,
  cache: object,
): Promise<string> {
  const parent = await git.readCommit({ fs, gitdir, oid: change.parent, cache });
  let tree = parent.commit.tree;
  for (const [file, content] of Object.entries(change.files)) {
    const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(content, 'utf8') });
    tree = await replaceInTree(gitdir, tree, file.split('/'), blob, cache);
  }
  const now = Math.floor(Date.now() / 1000);
  const who = { ...change.author, timestamp: now, timezoneOffset: 0 };
  return git.writeCommit({
    fs,
    gitdir,
    commit: { message: change.message, tree, parent: [change.parent], author: who, committer: who },
  });
}

async function replaceInTree(
  gitdir: string,
  treeOid: string,
  segments: string[],
  blob: string,
  cache: object,
): Promise<string> {
  const [name, ...rest] = segments;
  if (!name) throw new Error('empty path');
  const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache });
  const entry = tree.find((e) => e.path === name);
  if (!entry) throw new Error(`${name} is not in the tree`);
  let next: TreeEntry;
  if (rest.length === 0) {
    if (entry.type !== 'blob') throw new Error(`${name} is not a file`);
    next = { ...entry, oid: blob };
  } else {
    if (entry.type !== 'tree') throw new Error(`${name} is not a folder`);
    next = { ...entry, oid: await replaceInTree(gitdir, entry.oid, rest, blob, cache) };
  }
  return git.writeTree({ fs, gitdir, tree: tree.map((e) => (e.path === name ? next : e)) });
}
