export type SourceErrorCode =
  | 'unreachable'
  /** The server answered 401/403: credentials missing or refused (project `git:` in the config). */
  | 'unauthorised'
  | 'branch-missing'
  | 'fetch-failed'
  /** The fetched pack broke a `git:` limit of the daemon config (src/git/pack-guard.ts). */
  | 'fetch-refused'
  | 'read-failed'
  /** A commit Spin wrote (an image update) could not be pushed: refused, or the branch moved. */
  | 'push-refused';

/** A problem with the project's repository, as opposed to a problem with what is in it. */
export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
