export type SourceErrorCode = 'unreachable' | 'branch-missing' | 'fetch-failed' | 'read-failed';

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
