import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import git, { Errors, type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { redactUrl } from '../git/http-source.js';
import { errorMessage } from '../util/errors.js';
import { truncateDescription } from './description.js';
import { mergeNoteDocs, parseNoteDoc, serializeNoteDoc, type NoteEntry } from './notes-doc.js';
import { readNotesTree, writeNotesTree } from './notes-tree.js';
import { RefLock } from './ref-lock.js';
import { StatusDeliveryError, type CommitStatus, type StatusProvider } from './types.js';

export const NOTES_REF = 'refs/notes/spin';
/** Where the remote mode keeps the commit it is about to push, apart from the fetched tip. */
const OUTGOING_REF = 'refs/spin/notes-outgoing';

export interface GitNotesOptions {
  /**
   * Remote mode: a bare cache repository owned by this provider (created if missing). Local
   * mode: the repository's own gitdir (`<repo>/.git`, or the bare repository itself).
   */
  gitdir: string;
  /** The remote repository (smart HTTP); absent for a local repository. */
  url?: string;
  /** HTTP client carrying the repository's credentials and CA (src/git/http-client.ts). */
  http?: HttpClient;
  /** Fetch-merge-push (or lock-merge-write) rounds before giving up on a contended ref. */
  maxAttempts?: number;
  /** Committer of the notes commits. */
  author?: { name: string; email: string };
  /** The clock for `updatedAt` (tests). */
  now?: () => Date;
}

/** One writer per gitdir inside this process; other processes are handled by the ref's CAS. */
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/**
 * The default provider: needs only git. The status becomes an entry in a JSON note on the
 * commit under `refs/notes/spin`, so `git fetch origin refs/notes/spin:refs/notes/spin && git
 * notes --ref=spin show <sha>` shows it. Every write starts from the current notes tip and merges
 * into it, and the ref only moves by compare-and-swap (the push's old-value check remotely, git's
 * ref lock locally), so concurrent writers keep each other's notes; a lost race is retried.
 */
export class GitNotesProvider implements StatusProvider {
  readonly name = 'gitnotes';
  private readonly cache = {};
  private readonly gitdir: string;
  private cacheReady = false;

  constructor(private readonly options: GitNotesOptions) {
    this.gitdir = path.resolve(options.gitdir);
  }

  post(status: CommitStatus): Promise<void> {
    return serialised(this.gitdir, () =>
      this.options.url ? this.postRemote(status) : this.postLocal(status),
    );
  }

  private get attempts(): number {
    return this.options.maxAttempts ?? 6;
  }

  private async postRemote(status: CommitStatus): Promise<void> {
    const url = this.options.url as string;
    const gitdir = this.gitdir;
    if (!this.cacheReady) {
      await mkdir(gitdir, { recursive: true });
      await git.init({ fs, gitdir, bare: true });
      // isomorphic-git's fetch records what it fetched through the remote's refspec.
      await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: `+${NOTES_REF}:${NOTES_REF}` });
      this.cacheReady = true;
    }
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const tip = await this.fetchTip(url);
        const next = await this.buildCommit(tip, status);
        if (next === tip) return;
        await git.writeRef({ fs, gitdir, ref: OUTGOING_REF, value: next, force: true });
        await git.push({
          fs,
          http: this.options.http ?? nodeHttp,
          gitdir,
          url,
          ref: OUTGOING_REF,
          remoteRef: NOTES_REF,
          cache: this.cache,
        });
        await git.writeRef({ fs, gitdir, ref: NOTES_REF, value: next, force: true });
        return;
      } catch (err) {
        // Someone else moved the notes ref between our fetch and our push: start over from theirs.
        if (isLostRace(err) && attempt < this.attempts) {
          await pause(attempt);
          continue;
        }
        throw remoteError(err, url);
      }
    }
    throw new StatusDeliveryError(`gitnotes: ${NOTES_REF} on ${redactUrl(url)} kept changing`, true);
  }

  /** Fetches the remote notes ref into the cache; resolves to its tip, or null when it has none. */
  private async fetchTip(url: string): Promise<string | null> {
    try {
      const result = await git.fetch({
        fs,
        http: this.options.http ?? nodeHttp,
        gitdir: this.gitdir,
        url,
        ref: NOTES_REF,
        remoteRef: NOTES_REF,
        singleBranch: true,
        tags: false,
        // Only the tip's tree is needed to merge into; the notes history can grow long.
        depth: 1,
        cache: this.cache,
      });
      return result.fetchHead ?? null; // null: an empty repository
    } catch (err) {
      // The remote has no notes yet. (If that is stale, the push's old-value check catches it.)
      if (err instanceof Errors.NotFoundError) return null;
      throw err;
    }
  }

  private async postLocal(status: CommitStatus): Promise<void> {
    const gitdir = this.gitdir;
    if (!fs.existsSync(path.join(gitdir, 'HEAD'))) {
      throw new StatusDeliveryError(`gitnotes: ${gitdir} is not a git repository`, false);
    }
    let lock: RefLock;
    try {
      lock = await RefLock.acquire(gitdir, NOTES_REF);
    } catch (err) {
      throw new StatusDeliveryError(`gitnotes: ${errorMessage(err)}`, true);
    }
    try {
      const tip = await git.resolveRef({ fs, gitdir, ref: NOTES_REF }).catch(() => null);
      const next = await this.buildCommit(tip, status);
      if (next !== tip) await lock.commit(next);
    } catch (err) {
      throw new StatusDeliveryError(
        `gitnotes: writing ${NOTES_REF} in ${gitdir} failed: ${errorMessage(err)}`,
        true,
      );
    } finally {
      await lock.release();
    }
  }

  /**
   * A notes commit on top of `parent` whose note for the status's commit is the existing note
   * merged with this status. Returns `parent` itself when the note would not change (a newer
   * entry for the context is already there).
   */
  private async buildCommit(parent: string | null, status: CommitStatus): Promise<string> {
    const gitdir = this.gitdir;
    const tree = await readNotesTree(gitdir, parent, this.cache);
    const previousBlob = tree.notes.get(status.commit);
    const previous = previousBlob
      ? parseNoteDoc(
          Buffer.from(
            (await git.readBlob({ fs, gitdir, oid: previousBlob, cache: this.cache })).blob,
          ).toString('utf8'),
        )
      : {};
    const entry: NoteEntry = {
      state: status.state,
      description: truncateDescription(status.description),
      ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
      updatedAt: (this.options.now?.() ?? new Date()).toISOString(),
    };
    const merged = mergeNoteDocs(previous, { [status.context]: entry });
    const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(serializeNoteDoc(merged), 'utf8') });
    if (parent && blob === previousBlob) return parent;
    tree.notes.set(status.commit, blob);
    const treeOid = await writeNotesTree(gitdir, tree);
    const now = new Date();
    const who = {
      ...(this.options.author ?? { name: 'Spin', email: 'spin@localhost' }),
      timestamp: Math.floor(now.getTime() / 1000),
      timezoneOffset: 0,
    };
    return git.writeCommit({
      fs,
      gitdir,
      commit: {
        tree: treeOid,
        parent: parent ? [parent] : [],
        author: who,
        committer: who,
        message: `spin: ${status.context} ${status.state} on ${status.commit.slice(0, 12)}\n`,
      },
    });
  }
}

/** A push refused because the remote ref moved (client-side fast-forward check or server CAS). */
function isLostRace(err: unknown): boolean {
  return err instanceof Errors.PushRejectedError || err instanceof Errors.GitPushError;
}

function remoteError(err: unknown, url: string): StatusDeliveryError {
  const statusCode = err instanceof Errors.HttpError ? err.data.statusCode : undefined;
  // Bad credentials, no push permission or no such repository: retrying cannot help.
  const retryable = !(statusCode === 401 || statusCode === 403 || statusCode === 404);
  return new StatusDeliveryError(
    `gitnotes: updating ${NOTES_REF} on ${redactUrl(url)} failed: ${redactUrl(errorMessage(err))}`,
    retryable,
    statusCode,
  );
}

function pause(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, 20 * attempt * (0.5 + Math.random())));
}
