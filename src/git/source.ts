import type { FileReader } from '../stack/source.js';

/**
 * One project's repository, as the reconciler sees it: where the deploy branch points now, and
 * the files of any commit. Implementations: HttpGitSource (smart HTTP, cached) and LocalGitSource
 * (a repository on disk, read in place and watched).
 */
export interface GitSource {
  /** Sha of the deploy branch head; objects for it are available locally afterwards. */
  resolveHead(): Promise<string>;
  /** Files of one commit. */
  readerAt(commit: string): FileReader;
  /** Calls `onChange` when the branch may have moved (local repositories); returns a closer. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
}
