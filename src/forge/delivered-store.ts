import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommitStatus } from './types.js';

/** Commits remembered per project; older ones will not get new statuses anyway. */
export const DEFAULT_MAX_COMMITS = 200;

interface FileShape {
  version: 1;
  /** commit → context → hash of what was delivered; insertion order = least recently used first. */
  commits: Record<string, Record<string, string>>;
}

/**
 * What was last delivered for each (commit, context), persisted as a small JSON file so a
 * restarted daemon does not post the same status again. Only a hash is kept: the file is about
 * identity, not content.
 */
export class DeliveredStore {
  private commits = new Map<string, Map<string, string>>();
  private loaded?: Promise<void>;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly maxCommits = DEFAULT_MAX_COMMITS,
  ) {}

  /** What decides "the same status": the provider, state and description (as delivered). */
  static hash(provider: string, status: Pick<CommitStatus, 'state' | 'description'>): string {
    return createHash('sha256')
      .update(`${provider}\0${status.state}\0${status.description}`)
      .digest('hex')
      .slice(0, 32);
  }

  async get(commit: string, context: string): Promise<string | undefined> {
    await this.load();
    return this.commits.get(commit)?.get(context);
  }

  async set(commit: string, context: string, hash: string): Promise<void> {
    await this.load();
    const contexts = this.commits.get(commit) ?? new Map<string, string>();
    contexts.set(context, hash);
    // Re-inserting moves the commit to the young end; the oldest fall off the other.
    this.commits.delete(commit);
    this.commits.set(commit, contexts);
    while (this.commits.size > this.maxCommits) {
      const oldest = this.commits.keys().next().value as string;
      this.commits.delete(oldest);
    }
    const snapshot = this.serialise();
    this.writing = this.writing.then(() => this.write(snapshot));
    await this.writing;
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      let parsed: FileShape | undefined;
      try {
        parsed = JSON.parse(await readFile(this.file, 'utf8')) as FileShape;
      } catch {
        // Missing or unreadable: worst case a status is posted once more.
        return;
      }
      for (const [commit, contexts] of Object.entries(parsed?.commits ?? {})) {
        if (typeof contexts !== 'object' || contexts === null) continue;
        this.commits.set(commit, new Map(Object.entries(contexts).filter(([, h]) => typeof h === 'string')));
      }
    })();
    return this.loaded;
  }

  private serialise(): string {
    const data: FileShape = { version: 1, commits: {} };
    for (const [commit, contexts] of this.commits) data.commits[commit] = Object.fromEntries(contexts);
    return JSON.stringify(data, null, 1) + '\n';
  }

  /** Atomic (temp file + rename), so a crash mid-write leaves the previous version. */
  private async write(text: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
