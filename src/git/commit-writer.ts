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
  /**
   * Signs the commit: given the commit object as git signs it (without a gpgsig header), returns
   * a detached armored signature, stored as the commit's `gpgsig` header. Absent: unsigned.
   */
  sign?: (payload: string) => Promise<string>;
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
  const tree = await writeChangedTree(gitdir, change, cache);
  const now = Math.floor(Date.now() / 1000);
  const who = { ...change.author, timestamp: now, timezoneOffset: 0 };
  const commit = { message: change.message, tree, parent: [change.parent], author: who, committer: who };
  if (!change.sign) return git.writeCommit({ fs, gitdir, commit });
  const payload = commitPayload(commit);
  const gpgsig = await change.sign(payload);
  const oid = await git.writeCommit({ fs, gitdir, commit: { ...commit, gpgsig } });
  // The signature is over the text rendered here; what git will check is the stored object
  // without its gpgsig header. They must be the same bytes, or the commit would never verify.
  const stored = await git.readCommit({ fs, gitdir, oid, cache });
  if (stored.payload !== payload) throw new Error('the signed commit does not read back as it was signed');
  return oid;
}

/** The root tree of `change.parent` with `change.files` replaced (written, not committed). */
export async function writeChangedTree(gitdir: string, change: CommitChange, cache: object): Promise<string> {
  const parent = await git.readCommit({ fs, gitdir, oid: change.parent, cache });
  let tree = parent.commit.tree;
  for (const [file, content] of Object.entries(change.files)) {
    const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(content, 'utf8') });
    tree = await replaceInTree(gitdir, tree, file.split('/'), blob, cache);
  }
  return tree;
}

interface Person {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}

/**
 * Pure: a commit object as git stores it without a signature (the bytes git signs and
 * `git verify-commit` checks): headers, a blank line, the message ending in one newline. Only
 * UTC times (offset 0) are written here.
 */
export function commitPayload(commit: {
  tree: string;
  parent: string[];
  author: Person;
  committer: Person;
  message: string;
}): string {
  const person = (p: Person) => `${p.name} <${p.email}> ${p.timestamp} +0000`;
  const headers = [
    `tree ${commit.tree}`,
    ...commit.parent.map((p) => `parent ${p}`),
    `author ${person(commit.author)}`,
    `committer ${person(commit.committer)}`,
  ];
  const message = commit.message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '') + '\n';
  return `${headers.join('\n')}\n\n${message}`;
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
