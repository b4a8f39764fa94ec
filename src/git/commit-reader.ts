import fs from 'node:fs';
import git from 'isomorphic-git';
import type { FileReader } from '../stack/source.js';
import { SourceError } from './errors.js';

/** Reads files of one commit straight from the object database, without a checkout. */
export class CommitReader implements FileReader {
  constructor(
    private readonly gitdir: string,
    private readonly commit: string,
    private readonly cache: object,
  ) {}

  async readFile(filepath: string): Promise<Uint8Array | undefined> {
    const clean = filepath.replace(/^\.\//, '').replace(/^\/+/, '');
    if (clean === '' || clean.split('/').includes('..')) return undefined;
    try {
      const { blob } = await git.readBlob({
        fs,
        gitdir: this.gitdir,
        oid: this.commit,
        filepath: clean,
        cache: this.cache,
      });
      return blob;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFoundError' || code === 'ObjectTypeError') return undefined;
      throw new SourceError(
        'read-failed',
        `cannot read ${clean} at ${this.commit.slice(0, 12)}: ${String(err)}`,
      );
    }
  }
}
