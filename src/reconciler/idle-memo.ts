import type { ActualState } from '../model/actual-state.js';
import { usesSecretOrConfigFiles } from '../stack/secrets.js';
import type { StackModel } from '../stack/model.js';
import type { ProjectStatus } from '../status/project-status.js';

/**
 * A pass that found nothing to do need not be computed again while nothing it read has changed
 * (issue 13: an idle poll should cost little more than the git request itself). Most polls of a
 * healthy project find the same head and the same containers; gating, pinning and planning that
 * commit again would give the same answer, as controller-runtime's generation predicates assume.
 *
 * What a pass reads, and how each is covered here:
 * - the branch head: compared;
 * - what runs: compared as a fingerprint of the project's containers, networks and volumes;
 * - the daemon's memory of the project (pins, failures, retries, suspension, operators' verbs):
 *   the status the pass is given must be the very object the memo's pass produced, so any change
 *   the daemon made to it since (they all replace it) disqualifies the memo;
 * - the project's config (env, policy): a changed project gets a new context, and a new memo;
 * - secrets and configs, re-read at every pass: a stack that uses them is never memoised;
 * - image-update checks: a due check always runs a full pass;
 * - anything unforeseen: the memo expires after `IDLE_MEMO_MAX_AGE_MS`, so a full pass runs at
 *   least that often whatever else holds.
 */
export const IDLE_MEMO_MAX_AGE_MS = 60_000;

/** What the last full idle pass saw and answered. */
export interface IdleMemo {
  head: string;
  engine: string;
  /** The status that pass gave the daemon (identity, not content, is compared). */
  status: ProjectStatus;
  /** When the full pass ran (ms since the epoch). */
  at: number;
}

/** Where a project's memo lives between passes (the pass context is rebuilt each pass). */
export interface IdleMemoSlot {
  memo?: IdleMemo;
}

/**
 * Pure: a compact fingerprint of what the engine shows of one project, covering every field a
 * pass plans or judges health from. Built by joining, not hashing: it is compared, never stored.
 */
export function engineFingerprint(actual: ActualState): string {
  const parts: string[] = [];
  for (const c of actual.containers) {
    parts.push(
      [
        c.id,
        c.name,
        c.service,
        c.replica,
        c.commit,
        c.configHash,
        c.state,
        c.health,
        c.exitCode ?? '',
        c.image,
        c.imageRef ?? '',
        c.imageDigest ?? '',
        c.runtime ? JSON.stringify(c.runtime) : '',
      ].join('\u0001'),
    );
  }
  for (const n of actual.networks) parts.push(`n\u0001${n.id}\u0001${n.name}\u0001${n.key}`);
  for (const v of actual.volumes) parts.push(`v\u0001${v.name}\u0001${v.key}`);
  return parts.join('\u0002');
}

/** Pure: whether a pass with these inputs would repeat the memo's pass exactly. */
export function repeatsIdlePass(
  memo: IdleMemo | undefined,
  input: {
    head: string;
    engine: string;
    previous: ProjectStatus | undefined;
    now: number;
    updatesDue: boolean;
  },
): memo is IdleMemo {
  return (
    memo !== undefined &&
    !input.updatesDue &&
    input.previous === memo.status &&
    memo.head === input.head &&
    memo.engine === input.engine &&
    input.now - memo.at < IDLE_MEMO_MAX_AGE_MS &&
    input.now >= memo.at
  );
}

/**
 * Pure: whether a converged pass may be repeated: it did nothing, left nothing pending (healthy,
 * no error, no step progressing) and read nothing outside git and the engine list (no secrets or
 * configs, whose values are read again at every pass).
 */
export function isMemoisable(pass: {
  actions: number;
  healthy: boolean;
  error: boolean;
  recheckAfterMs: number | undefined;
  model: StackModel;
}): boolean {
  return (
    pass.actions === 0 &&
    pass.healthy &&
    !pass.error &&
    pass.recheckAfterMs === undefined &&
    !usesSecretOrConfigFiles(pass.model)
  );
}
