import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import git from 'isomorphic-git';
import type { HttpClient } from 'isomorphic-git';
import { guardedHttp } from './http-client.js';
import { PackRefusedError } from './pack-guard.js';
import type { FetchLimits } from './upload-pack-guard.js';
import type { FileReader } from '../stack/source.js';
import { CommitReader } from './commit-reader.js';
import { writeChangedTree, writeCommitObject, type CommitChange } from './commit-writer.js';
import { fetchRefAdvertisement, RefAdvertisementError } from './ref-advertisement.js';
import { SourceError } from './errors.js';
import { RepoCredentials, repoTransport, type RepoTransport } from './repo-auth.js';
import type { RepoAccess, RepoAuth } from '../config/types.js';
import { redactSecrets } from '../util/secret-text.js';
import type { AdvertisementMemo, BranchMoveFacts, BranchProposal, GitSource } from './source.js';

export interface HttpGitSourceOptions {
  url: string;
  branch: string;
  /** Bare cache repository for this project, under stateDir. */
  cacheDir: string;
  /** Called once per request to the remote, so callers can count and time them. */
  onRequest?: (kind: 'advertise' | 'fetch') => void;
  /** What a fetched pack may hold (the daemon config's `git:`); checked as the pack streams. */
  limits: FetchLimits;
  /** Credentials (already read from their files) and CA for this repository. */
  access?: RepoAccess;
}

/**
 * A remote repository over smart HTTP. Each poll is one ref advertisement (protocol v1: a single
 * GET of info/refs); objects are fetched only when the head is a commit the cache lacks, and
 * fetches are incremental into one bare cache, so the repository is never cloned twice.
 */
export class HttpGitSource implements GitSource {
  private readonly cache = {};
  private initialised = false;
  private refs: { ref: string; oid: string }[] = [];
  private readonly known = new Set<string>();
  private readonly http: HttpClient;
  /** The transport of the last request (for error texts); refreshed before each one. */
  private transport: RepoTransport;
  private readonly credentials: RepoCredentials;
  /**
   * Key of this source's ref advertisement in a round's memo: the URL alone would let a project
   * without credentials be answered from a request made with another project's.
   */
  private readonly advertKey: string;
  /**
   * Refs whose fetch the pack guard refused, with the tip it refused: polls of the same tip get
   * the same refusal without downloading the pack again (up to the refusal, every few seconds).
   * A new tip fetches again; a raised limit needs a restart, which clears this.
   */
  private readonly refused = new Map<string, { tip: string; error: SourceError }>();

  constructor(private readonly options: HttpGitSourceOptions) {
    this.credentials = new RepoCredentials(options.access);
    this.transport = repoTransport(options.access);
    // Every request takes the credential as of now (re-read when its file changed).
    this.http = guardedHttp(options.limits, () => this.refreshTransport());
    this.advertKey = options.access ? JSON.stringify([options.url, options.access]) : options.url;
  }

  get gitdir(): string {
    return this.options.cacheDir;
  }

  async listRefs(): Promise<{ ref: string; oid: string }[]> {
    return this.refs;
  }

  async ensureCommit(ref: string, oid: string): Promise<void> {
    if (await this.hasCommit(oid)) return;
    await this.fetch(ref);
    if (!(await this.hasCommit(oid))) {
      throw new SourceError('fetch-failed', `fetched ${ref} but commit ${oid.slice(0, 12)} is missing`);
    }
  }

  async resolveHead(adverts?: AdvertisementMemo): Promise<string> {
    const { url, branch } = this.options;
    let refs: { ref: string; oid: string }[];
    try {
      const { authorization, ca } = await this.refreshTransport();
      let advert = adverts?.get(this.advertKey);
      if (!advert) {
        this.options.onRequest?.('advertise');
        advert = fetchRefAdvertisement(url, { authorization, ca }).then((a) => a.refs);
        adverts?.set(this.advertKey, advert);
      }
      refs = await advert;
      this.refs = refs;
    } catch (err) {
      if (err instanceof RefAdvertisementError && (err.status === 401 || err.status === 403)) {
        throw new SourceError('unauthorised', this.unauthorisedMessage(err));
      }
      throw new SourceError(
        'unreachable',
        `git remote ${redactUrl(url)} is unreachable: ${this.errorText(err)}`,
      );
    }
    const head = refs.find((r) => r.ref === `refs/heads/${branch}`);
    if (!head) throw new SourceError('branch-missing', `branch '${branch}' not found on ${redactUrl(url)}`);
    if (!(await this.hasCommit(head.oid))) await this.fetch();
    if (!(await this.hasCommit(head.oid))) {
      throw new SourceError(
        'fetch-failed',
        `fetched ${redactUrl(url)} but commit ${head.oid.slice(0, 12)} is missing`,
      );
    }
    return head.oid;
  }

  readerAt(commit: string): FileReader {
    return new CommitReader(this.options.cacheDir, commit, this.cache);
  }

  async watch(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async commitToBranch(change: CommitChange): Promise<string> {
    await this.ensureCache();
    const oid = await writeCommitObject(this.options.cacheDir, change, this.cache);
    await this.pushBranch(oid);
    return oid;
  }

  async inspectMove(commit: string, sourceRef: string): Promise<BranchMoveFacts> {
    const head = await this.resolveHead().catch((err: unknown) => {
      // No deploy branch yet: a first promotion creates it (still a push the server checks).
      if (err instanceof SourceError && err.code === 'branch-missing') return undefined;
      throw err;
    });
    await this.ensureCommit(sourceRef, commit);
    if (head === undefined) return { head, headIsAncestor: false };
    if (head === commit) return { head, headIsAncestor: true };
    const headIsAncestor = await git.isDescendent({
      fs,
      gitdir: this.options.cacheDir,
      oid: commit,
      ancestor: head,
      depth: -1,
      cache: this.cache,
    });
    return { head, headIsAncestor };
  }

  async pushBranch(oid: string): Promise<void> {
    // isomorphic-git refuses a push that is not a fast-forward of the remote's branch, and the
    // server checks the old value it was sent: a branch that moved meanwhile is left alone.
    await this.ensureCache();
    await this.pushCommit(oid, this.options.branch, false);
  }

  async proposeOnBranch(change: CommitChange, branch: string): Promise<BranchProposal> {
    const { cacheDir } = this.options;
    await this.ensureCache();
    const ref = `refs/heads/${branch}`;
    const tip = this.refs.find((r) => r.ref === ref)?.oid;
    let replace = false;
    if (tip && tip !== change.parent) {
      await this.ensureCommit(ref, tip);
      const { commit } = await git.readCommit({ fs, gitdir: cacheDir, oid: tip, cache: this.cache });
      const byWriter =
        commit.author.email === change.author.email && commit.author.name === change.author.name;
      // The same proposal on the same head is there already: a new timestamp is no reason to push.
      if (byWriter && commit.parent.length === 1 && commit.parent[0] === change.parent) {
        const tree = await writeChangedTree(cacheDir, change, this.cache);
        if (tree === commit.tree) return { commit: tip, pushed: false };
      }
      if (!(await this.reaches(change.parent, tip))) {
        // An older proposal of Spin's own (one commit by the writer, on a head the deploy branch
        // went through) is replaced; anything someone else put on the branch is theirs, and
        // stays. (A commit that only claims to be Spin's can be replaced: the branch is Spin's.)
        const [base, ...more] = commit.parent;
        const parentMerged =
          base !== undefined && more.length === 0 && (await this.reaches(change.parent, base));
        if (!byWriter || !parentMerged) {
          throw new SourceError(
            'push-refused',
            `branch ${branch} of ${redactUrl(this.options.url)} holds commits that are not Spin's proposal (tip ${tip.slice(0, 12)}); merge or delete it and Spin proposes again`,
          );
        }
        replace = true;
      }
    }
    const oid = await writeCommitObject(cacheDir, change, this.cache);
    await this.pushCommit(oid, branch, replace);
    return { commit: oid, pushed: true };
  }

  /**
   * True when `ancestor` is `oid` or in its history (looked for within 1000 commits; further back
   * counts as not found).
   */
  private async reaches(oid: string, ancestor: string): Promise<boolean> {
    if (oid === ancestor) return true;
    return git
      .isDescendent({ fs, gitdir: this.options.cacheDir, oid, ancestor, depth: 1000, cache: this.cache })
      .catch(() => false);
  }

  /** Pushes `oid` to `branch`; `force` only to replace Spin's own earlier proposal. */
  private async pushCommit(oid: string, branch: string, force: boolean): Promise<void> {
    const { url, cacheDir } = this.options;
    await git.writeRef({ fs, gitdir: cacheDir, ref: OUTGOING_REF, value: oid, force: true });
    const remoteRef = `refs/heads/${branch}`;
    let result: Awaited<ReturnType<typeof git.push>>;
    try {
      result = await git.push({
        fs,
        http: this.http,
        gitdir: cacheDir,
        url,
        ref: OUTGOING_REF,
        remoteRef,
        force,
      });
    } catch (err) {
      throw new SourceError(
        'push-refused',
        `pushing to ${branch} of ${redactUrl(url)} failed: ${this.errorText(err)}`,
      );
    }
    const refResult = result.refs[remoteRef];
    if (!result.ok || (refResult && !refResult.ok)) {
      const why = refResult?.error ?? result.error ?? 'refused';
      throw new SourceError(
        'push-refused',
        `${redactUrl(url)} refused the push to ${branch}: ${this.errorText(why)}`,
      );
    }
    this.known.add(oid);
  }

  private async refreshTransport(): Promise<RepoTransport> {
    this.transport = await this.credentials.current();
    return this.transport;
  }

  /** A library's error message without the URL's or the credential files' secrets. */
  private errorText(err: unknown): string {
    return redactSecrets(redactUrl(err instanceof Error ? err.message : String(err)), this.transport.secrets);
  }

  /** 401/403 with the one thing to do about it: which credential was (not) sent. */
  private unauthorisedMessage(err: RefAdvertisementError): string {
    const { url, access } = this.options;
    const auth = access?.auth;
    const sent = !auth
      ? "no credentials were sent; set the project's git.tokenFile (or git.username and git.passwordFile)"
      : this.credentials.problem
        ? `no credentials were sent: ${this.credentials.problem}`
        : `the credentials from ${credentialOrigin(auth)} were refused; check it and the account's access`;
    return `git remote ${redactUrl(url)} refused access (${this.errorText(err)}): ${sent}`;
  }

  private async ensureCache(): Promise<void> {
    if (this.initialised) return;
    await mkdir(this.options.cacheDir, { recursive: true });
    await git.init({ fs, gitdir: this.options.cacheDir, bare: true, defaultBranch: this.options.branch });
    // fetch needs a remote with a refspec; force keeps it in step if the project's URL changed.
    await git.addRemote({
      fs,
      gitdir: this.options.cacheDir,
      remote: 'origin',
      url: this.options.url,
      force: true,
    });
    this.initialised = true;
  }

  private async hasCommit(oid: string): Promise<boolean> {
    // A commit once in the cache stays there: remember it instead of reading it on every poll.
    if (this.known.has(oid)) return true;
    await this.ensureCache();
    try {
      await git.readCommit({ fs, gitdir: this.options.cacheDir, oid, cache: this.cache });
      this.known.add(oid);
      return true;
    } catch {
      return false;
    }
  }

  /** Incremental fetch of one ref (default: the deploy branch) into the bare cache. */
  private async fetch(ref = `refs/heads/${this.options.branch}`): Promise<void> {
    const { url, cacheDir } = this.options;
    const branch = ref.replace(/^refs\/heads\//, '');
    const tip = this.refs.find((r) => r.ref === ref)?.oid;
    const refused = this.refused.get(ref);
    if (refused && refused.tip === tip) throw refused.error;
    try {
      this.options.onRequest?.('fetch');
      await git.fetch({
        fs,
        http: this.http,
        gitdir: cacheDir,
        url,
        ref: branch,
        remoteRef: ref,
        singleBranch: true,
        tags: false,
        cache: this.cache,
      });
    } catch (err) {
      // A refused pack is the repository's content, not a network problem: retrying gets the
      // same pack until the operator raises the limit or the history is rewritten.
      if (err instanceof PackRefusedError) {
        const error = new SourceError(
          'fetch-refused',
          `fetching ${branch} from ${redactUrl(url)} refused: ${this.errorText(err)}; raise the daemon config's git limits or remove the object from the branch's history`,
        );
        if (tip) this.refused.set(ref, { tip, error });
        throw error;
      }
      throw new SourceError(
        'fetch-failed',
        `fetching ${branch} from ${redactUrl(url)} failed: ${this.errorText(err)}`,
      );
    }
  }
}

/** Where a commit Spin wrote waits in the cache while it is pushed. */
const OUTGOING_REF = 'refs/spin/outgoing';

/** Credentials in a repository URL must never reach logs or statuses. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

/** Where a credential came from, for messages: its file, or the secret it is kept in. */
function credentialOrigin(auth: RepoAuth): string {
  const file = auth.kind === 'basic' ? auth.passwordFile : auth.tokenFile;
  const secret = auth.kind === 'basic' ? auth.passwordSecret : auth.tokenSecret;
  return file ?? `secret '${secret ?? ''}' of project ${auth.store?.project ?? ''}`;
}
