import { readFileSync, statSync } from 'node:fs';
import { acceptedTokens, rotate, type TokenWindow } from './token-window.js';

export interface TokenFileOptions {
  overlapMs: number;
  /** The token read at start (config load already checked the file); none = read it now. */
  initial?: string;
  now?: () => number;
  /** Told the file changed or could not be read; never given the token itself. */
  onEvent?: (event: { file: string; kind: 'rotated' | 'unreadable'; error?: string }) => void;
}

/**
 * An API token kept in a file, re-read when the file changes. Checked on use (a stat per
 * request: cheap, and no watcher to leak or to miss an atomic rename), so a rotation takes effect
 * on the next request. An unreadable or empty file keeps the last good token: a half-done edit must
 * not lock every client out, nor open reads to everyone.
 */
export class TokenFile {
  private window: TokenWindow;
  private seen: string | undefined;
  private readonly now: () => number;

  constructor(
    readonly file: string,
    private readonly options: TokenFileOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.seen = this.signature();
    const initial = options.initial ?? this.read();
    this.window = rotate({}, initial, this.now(), 0);
  }

  /** The tokens accepted now: the file's current one, and the previous one within the overlap. */
  tokens(): string[] {
    const signature = this.signature();
    if (signature !== this.seen) {
      this.seen = signature;
      const next = this.read();
      if (next !== undefined && next !== '' && next !== this.window.current) {
        this.window = rotate(this.window, next, this.now(), this.options.overlapMs);
        this.options.onEvent?.({ file: this.file, kind: 'rotated' });
      }
    }
    return acceptedTokens(this.window, this.now());
  }

  /** mtime, size and inode: an editor's rename-over changes the inode even within one mtime tick. */
  private signature(): string | undefined {
    try {
      const s = statSync(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return undefined;
    }
  }

  private read(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      this.options.onEvent?.({ file: this.file, kind: 'unreadable', error: code });
      return undefined;
    }
  }
}
