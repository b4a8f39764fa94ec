import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { objectSize } from './blob-size.js';
import type { FileReader } from '../stack/source.js';
import { SourceError } from './errors.js';

/** Reads files of one commit straight from the object database, without a checkout. */
export class CommitReader implements FileReader {
  constructor(
    private readonly gitdir: string,
    private readonly commit: string,
    private readonly cache: object,
  ) {}

  /** From the tree entry and the object's header only: the blob is never inflated (blob-size.ts). */
  async fileSize(filepath: string): Promise<number | undefined> {
    const clean = filepath.replace(/^\.\//, '').replace(/^\/+/, '');
    if (clean === '' || clean.split('/').includes('..')) return undefined;
    const dir = path.posix.dirname(clean);
    const base = path.posix.basename(clean);
    try {
      const { tree } = await git.readTree({
        fs,
        gitdir: this.gitdir,
        oid: this.commit,
        filepath: dir === '.' ? undefined : dir,
        cache: this.cache,
      });
      const entry = tree.find((e) => e.path === base && e.type === 'blob');
      if (!entry) return undefined;
      const size = await objectSize(this.gitdir, entry.oid);
      if (size === undefined) throw new Error(`object ${entry.oid} not found`);
      return size;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NotFoundError' || code === 'ObjectTypeError') return undefined;
      throw new SourceError(
        'read-failed',
        `cannot read the size of ${clean} at ${this.commit.slice(0, 12)}: ${String(err)}`,
      );
    }
  }

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
