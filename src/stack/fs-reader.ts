import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathEscapeError, type FileReader } from './source.js';

/**
 * FileReader over a folder on disk (`spin validate PATH`). Paths are POSIX and relative to the
 * folder; a path that leads outside it, directly or through a symlink, is refused with an error
 * (a stack must not read the files of whoever runs `spin validate`). A missing file is undefined.
 */
export class FolderReader implements FileReader {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async readFile(file: string): Promise<Uint8Array | undefined> {
    const real = await this.resolve(file);
    if (real === undefined) return undefined;
    try {
      return await readFile(real);
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw error;
    }
  }

  async fileSize(file: string): Promise<number | undefined> {
    const real = await this.resolve(file);
    if (real === undefined) return undefined;
    const info = await stat(real);
    return info.isFile() ? info.size : undefined;
  }

  /** The real path of a file inside the folder, undefined when missing; throws when it leads out. */
  private async resolve(file: string): Promise<string | undefined> {
    const target = path.resolve(this.root, ...file.split('/'));
    if (!isInside(this.root, target))
      throw new PathEscapeError(file, `${file}: path leads outside ${this.root}`);
    let real: string;
    try {
      real = await realpath(target);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if (!isInside(await realpath(this.root), real))
      throw new PathEscapeError(file, `${file}: symlink leads outside ${this.root}`);
    return real;
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
