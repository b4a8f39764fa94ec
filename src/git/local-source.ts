import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { watch } from 'chokidar';
import type { FileReader } from '../stack/source.js';
import { CommitReader } from './commit-reader.js';
import { SourceError } from './errors.js';
import type { GitSource } from './source.js';

/**
 * A repository on this machine (`repo: /path` or `file://`), read in place: no cache, no fetch.
 * Its refs are watched so a commit reconciles at once instead of at the next poll.
 */
export class LocalGitSource implements GitSource {
  private readonly cache = {};
  readonly gitdir: string;

  constructor(
    repoPath: string,
    private readonly branch: string,
  ) {
    const dotGit = path.join(repoPath, '.git');
    this.gitdir = fs.existsSync(dotGit) && fs.statSync(dotGit).isDirectory() ? dotGit : repoPath;
  }

  async resolveHead(): Promise<string> {
    if (!fs.existsSync(path.join(this.gitdir, 'HEAD'))) {
      throw new SourceError('unreachable', `${this.gitdir} is not a git repository`);
    }
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref: `refs/heads/${this.branch}` });
    } catch {
      throw new SourceError('branch-missing', `branch '${this.branch}' not found in ${this.gitdir}`);
    }
  }

  async listRefs(): Promise<{ ref: string; oid: string }[]> {
    const refs = await git.listRefs({ fs, gitdir: this.gitdir, filepath: 'refs' });
    return Promise.all(
      refs
        .filter((r) => r.startsWith('heads/') || r.startsWith('pull/') || r.startsWith('merge-requests/'))
        .map(async (r) => ({
          ref: `refs/${r}`,
          oid: await git.resolveRef({ fs, gitdir: this.gitdir, ref: `refs/${r}` }),
        })),
    );
  }

  /** A local repository already has every commit its refs point to. */
  async ensureCommit(): Promise<void> {}

  readerAt(commit: string): FileReader {
    return new CommitReader(this.gitdir, commit, this.cache);
  }

  async watch(onChange: () => void): Promise<() => Promise<void>> {
    // Git moves a branch by renaming a lock file over refs/heads/<branch>, or rewrites packed-refs.
    const watcher = watch([path.join(this.gitdir, 'refs', 'heads'), path.join(this.gitdir, 'packed-refs')], {
      ignoreInitial: true,
      depth: 8,
    });
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      clearTimeout(timer);
      // One commit is several file events (objects, then the ref's lock and rename): coalesce.
      timer = setTimeout(onChange, 20);
    };
    watcher.on('all', changed);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    return async () => {
      clearTimeout(timer);
      await watcher.close();
    };
  }
}
