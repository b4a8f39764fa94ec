/** The four states every forge understands (GitHub's names; GitLab maps them, see gitlab.ts). */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  /** Full sha of the commit the status is about. */
  commit: string;
  /** `spin/<project>` on deploy-branch commits, `spin/<project>/validate` on other heads. */
  context: string;
  state: CommitState;
  /** At most 140 characters once delivered; longer text is cut on a word boundary. */
  description: string;
  /** The project's page on the daemon's HTTP address. */
  targetUrl?: string;
}

/** One place statuses go to. `post` resolves once the forge (or remote) holds the status. */
export interface StatusProvider {
  readonly name: string;
  /** Throws (preferably a StatusDeliveryError) when the status could not be delivered. */
  post(status: CommitStatus): Promise<void>;
}

/**
 * A delivery failure. `retryable` is false when trying again cannot help (bad token, unknown
 * repository, invalid request), so the reporter gives up at once instead of hammering the forge.
 * Messages never contain the token: providers build them from the method, path and HTTP status.
 */
export class StatusDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'StatusDeliveryError';
  }
}

/** The context of deploy statuses on the deploy branch. */
export function deployContext(project: string): string {
  return `spin/${project}`;
}

/** The context of preview verdicts on other branch heads and merge-request refs. */
export function validateContext(project: string): string {
  return `spin/${project}/validate`;
}
