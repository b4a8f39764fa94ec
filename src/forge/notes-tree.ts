import fs from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';

/**
 * The tree of a notes commit as `git notes` lays it out: one blob per annotated object, named
 * by that object's full sha, either flat (`<40 hex>`) or fanned out into two-hex-digit folders
 * (`ab/<38 hex>`, what git itself switches to once a notes tree grows large).
 */
export interface NotesTree {
  /** Annotated object sha → blob oid of its note. */
  notes: Map<string, string>;
  /** Root entries that are not notes; git keeps them, so do we. */
  others: TreeEntry[];
}

const HEX = /^[0-9a-f]+$/;

/** Above this many notes the written tree uses one level of fanout, like git does. */
export const FANOUT_THRESHOLD = 256;

export async function readNotesTree(
  gitdir: string,
  commitOid: string | null,
  cache: object,
): Promise<NotesTree> {
  const result: NotesTree = { notes: new Map(), others: [] };
  if (!commitOid) return result;
  const { commit } = await git.readCommit({ fs, gitdir, oid: commitOid, cache });
  await collect(gitdir, commit.tree, '', result, cache);
  return result;
}

async function collect(
  gitdir: string,
  treeOid: string,
  prefix: string,
  out: NotesTree,
  cache: object,
): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache });
  for (const entry of tree) {
    const name = prefix + entry.path;
    if (entry.type === 'blob' && name.length === 40 && HEX.test(name)) {
      out.notes.set(name, entry.oid);
    } else if (entry.type === 'tree' && entry.path.length === 2 && HEX.test(entry.path) && name.length < 40) {
      await collect(gitdir, entry.oid, name, out, cache);
    } else if (prefix === '') {
      out.others.push(entry);
    }
  }
}

/** Writes the tree for `notes` (flat, or fanned out when large) and returns its oid. */
export async function writeNotesTree(gitdir: string, tree: NotesTree): Promise<string> {
  const root: TreeEntry[] = [...tree.others];
  if (tree.notes.size <= FANOUT_THRESHOLD) {
    for (const [sha, oid] of tree.notes) root.push({ mode: '100644', path: sha, oid, type: 'blob' });
  } else {
    const buckets = new Map<string, TreeEntry[]>();
    for (const [sha, oid] of tree.notes) {
      const key = sha.slice(0, 2);
      const bucket = buckets.get(key) ?? [];
      bucket.push({ mode: '100644', path: sha.slice(2), oid, type: 'blob' });
      buckets.set(key, bucket);
    }
    for (const [key, entries] of buckets) {
      const oid = await git.writeTree({ fs, gitdir, tree: entries });
      root.push({ mode: '040000', path: key, oid, type: 'tree' });
    }
  }
  return git.writeTree({ fs, gitdir, tree: root });
}
