import { createHash } from 'node:crypto';
import type { ServiceSpec } from '../stack/model.js';
import type { ProjectStatus } from '../status/project-status.js';
import { canonicalJson } from '../util/canonical-json.js';
import { MAX_APPLY_ATTEMPTS } from './retry.js';

/** What the last pass left that the engine cannot tell: pins, a failed commit, retry counts. */
export type PassMemory = Partial<
  Pick<
    ProjectStatus,
    'pinned' | 'failedCommit' | 'lastHealthyCommit' | 'appliedCommit' | 'sync' | 'lastError' | 'retry'
  >
>;

export type FailedCommit = NonNullable<ProjectStatus['failedCommit']>;
export type PinnedCommit = NonNullable<ProjectStatus['pinned']>;

/** What a pass runs, once the head passed the gate. */
export type RunChoice =
  /** An operator rolled back: run the pinned commit until the branch moves on. */
  | { run: 'pinned'; pinned: PinnedCommit }
  /** The head's rollout failed before: keep (or restore) the last healthy commit, do not retry. */
  | { run: 'hold'; failed: FailedCommit; rollbackTo?: string }
  /** Deploy the head. */
  | { run: 'head' };

/**
 * Pure: which commit a pass runs. `fingerprint` is what the head would run now (its hashes with
 * secrets and configs), so a failed commit is held only while it would run exactly what failed.
 */
export function chooseRun(head: string, fingerprint: string, previous: PassMemory | undefined): RunChoice {
  const pinned = previous?.pinned?.head === head ? previous.pinned : undefined;
  if (pinned) return { run: 'pinned', pinned };
  // A rotated secret or edited config gives the same commit a new fingerprint: tried again.
  // A commit that is the last healthy one is never held: its failures are repairs, retried (a
  // status written before repairs were told apart may still name it).
  const failed = previous?.failedCommit;
  if (
    failed?.commit === head &&
    previous?.lastHealthyCommit !== head &&
    (failed.fingerprint === undefined || failed.fingerprint === fingerprint)
  ) {
    return { run: 'hold', failed, rollbackTo: rollbackTarget(head, previous) };
  }
  return { run: 'head' };
}

/** How applying the head failed, as plain data. */
export interface ApplyFailure {
  /** The engine could not be reached (retried soon, the commit is not at fault). */
  engineUnavailable: boolean;
  /** Set when a rollout did not become ready (as opposed to an engine call failing). */
  rollout?: { service: string; reason: string; failureAction: ServiceSpec['updateConfig']['failureAction'] };
  message: string;
}

/** What a pass does after applying the head failed. */
export type FailureChoice =
  | { next: 'engine-unavailable' }
  /** The last healthy commit's own drift repair failed: retried with backoff, without bound. */
  | { next: 'repair-failed'; attempts: number; what: string }
  /** An engine error on a new commit, below the bound: retried with backoff. */
  | { next: 'retry'; attempts: number }
  /** The commit failed; the service asked to pause, so nothing is rolled back. */
  | { next: 'pause'; attempts: number; reason: string }
  /** The commit failed: marked failed and the last healthy commit restored in the same pass. */
  | { next: 'roll-back'; attempts: number; reason: string; rollbackTo?: string };

/**
 * Pure: a rollout that did not become ready marks the commit failed (no retry loop) and, unless
 * the service asked to pause, rolls back. An engine error is retried with backoff; after
 * MAX_APPLY_ATTEMPTS on one commit it is treated like a failed rollout. Neither applies to the
 * last healthy commit itself: that is a repair.
 */
export function chooseAfterFailure(
  head: string,
  failure: ApplyFailure,
  previous: PassMemory | undefined,
): FailureChoice {
  if (failure.engineUnavailable) return { next: 'engine-unavailable' };
  const attempts = (previous?.retry?.commit === head ? previous.retry.attempts : 0) + 1;
  const { rollout } = failure;
  if (previous?.lastHealthyCommit === head) {
    const what = rollout ? `${rollout.service}: ${rollout.reason}` : failure.message;
    return { next: 'repair-failed', attempts, what };
  }
  if (!rollout && attempts < MAX_APPLY_ATTEMPTS) return { next: 'retry', attempts };
  const reason = rollout ? rollout.reason : `gave up after ${attempts} attempts: ${failure.message}`;
  if (rollout?.failureAction === 'pause') return { next: 'pause', attempts, reason };
  return { next: 'roll-back', attempts, reason, rollbackTo: rollbackTarget(head, previous) };
}

/**
 * Pure: how many of a pass's actions repair drift, i.e. the engine moved away from the commit
 * that was already applied and in sync (or whose repair failed before). None when the plan
 * continues a rollout an earlier pass started (`continuesRollout`: a unit still proving itself).
 */
export function driftRepairCount(
  head: string,
  actions: number,
  previous: PassMemory | undefined,
  continuesRollout = false,
): number {
  if (continuesRollout) return 0;
  const repairing = previous?.sync === 'Synced' || previous?.lastError?.reason === 'RepairFailed';
  return previous?.appliedCommit === head && repairing ? actions : 0;
}

/** What a commit would run, as one value: its services' config hashes (secrets and configs included). */
export function desiredFingerprint(hashes: Record<string, string>): string {
  return createHash('sha256').update(canonicalJson(hashes)).digest('hex').slice(0, 16);
}

function rollbackTarget(head: string, previous: PassMemory | undefined): string | undefined {
  const commit = previous?.lastHealthyCommit;
  return commit && commit !== head ? commit : undefined;
}
