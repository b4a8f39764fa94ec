import type { FileReader } from '../stack/source.js';
import type { CommitChange } from './commit-writer.js';

/**
 * One project's repository, as the reconciler sees it: where the deploy branch points now, and
 * the files of any commit. Implementations: HttpGitSource (smart HTTP, cached) and LocalGitSource
 * (a repository on disk, read in place and watched).
 */
export interface GitRef {
  ref: string;
  oid: string;
}

export interface GitSource {
  /** The object database commits are read from (a bare cache, or the repository itself). */
  readonly gitdir: string;
  /**
   * Every ref as of the last resolveHead (http: from the same ref advertisement, no extra
   * request; local: read now). Used for reviewers' previews of other branches.
   */
  listRefs(): Promise<GitRef[]>;
  /** Makes `oid` (the tip of `ref`) readable, fetching it when it is not in the cache yet. */
  ensureCommit(ref: string, oid: string): Promise<void>;
  /**
   * Sha of the deploy branch head; objects for it are available locally afterwards. `adverts`:
   * ref advertisements already asked for in this round, by URL, so projects that deploy from one
   * repository (other branches or folders) share one request per round.
   */
  resolveHead(adverts?: AdvertisementMemo): Promise<string>;
  /** Files of one commit. */
  readerAt(commit: string): FileReader;
  /** Calls `onChange` when the branch may have moved (local repositories); returns a closer. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
  /**
   * Writes a commit on top of `change.parent` and moves the deploy branch to it on the remote
   * (a push that the server refuses unless the branch is still at the parent); returns its sha,
   * readable at once. Absent where Spin does not write (a repository on disk, read in place).
   */
  commitToBranch?(change: CommitChange): Promise<string>;
  /**
   * Where the deploy branch is on the remote now (undefined: not there yet), and whether moving
   * it to `commit` (fetched from `sourceRef` when the cache lacks it) is a fast-forward. For
   * `spin promote`.
   */
  inspectMove?(commit: string, sourceRef: string): Promise<BranchMoveFacts>;
  /**
   * Moves the deploy branch on the remote to `commit`, already readable here: a push that the
   * server and isomorphic-git refuse unless it is a fast-forward of the branch as it is now (or,
   * for a branch that does not exist, unless it still does not: the server checks the old value).
   */
  pushBranch?(commit: string): Promise<void>;
  /**
   * Review mode: writes the commit on top of `change.parent` (the deploy branch head) and pushes
   * it to `branch` instead, so merging it is a fast-forward of the deploy branch. The branch is
   * created, moved forward, or, when it holds an older proposal of the same writer (one commit by
   * `change.author`), replaced; commits of anyone else there make it throw (push-refused). When
   * the branch already proposes the same change on the same head, nothing is pushed.
   */
  proposeOnBranch?(change: CommitChange, branch: string): Promise<BranchProposal>;
}

/** What the git source found for a branch move (see GitSource.inspectMove). */
export interface BranchMoveFacts {
  /** Undefined when the remote has no such branch yet (a first promotion creates it). */
  head: string | undefined;
  headIsAncestor: boolean;
}

/** The review branch's commit after `proposeOnBranch`, and whether this call pushed it. */
export interface BranchProposal {
  commit: string;
  pushed: boolean;
}

/** One round's ref advertisements by repository URL (see GitSource.resolveHead). */
export type AdvertisementMemo = Map<string, Promise<GitRef[]>>;
