import type { PathSegment } from './diagnostics.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * A parsed YAML document as plain data plus a way back to the source. `value` is what the
 * rest of the pipeline reads (merge keys and aliases already resolved); `locate` maps a path in
 * that value to where the user wrote it, falling back to the nearest located ancestor.
 */
export interface LocatedDocument {
  file: string;
  value: unknown;
  locate(path: readonly PathSegment[]): Position;
}

/**
 * Read access to the files of one commit (or of a folder on disk for `spin validate`).
 * Paths are POSIX, relative to the repository root (or the folder being validated).
 */
export interface FileReader {
  readFile(path: string): Promise<Uint8Array | undefined>;
  /**
   * A file's size in bytes without reading it (undefined: no such file), so a size cap holds
   * before the content is ever in memory. Readers that cannot tell leave it out.
   */
  fileSize?(path: string): Promise<number | undefined>;
}

/**
 * A path that leads outside the reader's root (through `..` or a symlink): the stack's fault, so
 * the loader turns it into a located `mounts.escape` refusal instead of failing the run.
 */
export class PathEscapeError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'PathEscapeError';
  }
}
