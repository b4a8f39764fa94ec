import type { LastError, ProjectStatus } from '../status/project-status.js';
import type { FailedCommit, PinnedCommit } from './choose.js';
import { summarisePlan, type Action } from './plan.js';
import { MAX_APPLY_ATTEMPTS, retryDelayMs } from './retry.js';

/** Look again soon while a converged project is still starting (neither healthy nor degraded). */
export const RECHECK_PROGRESSING_MS = 2_000;
/** Look again soon after the engine failed us. */
export const ENGINE_RETRY_MS = 5_000;

export type HealthFields = Pick<ProjectStatus, 'health' | 'healthReason' | 'services'>;

/**
 * Where a pass ended and why, marked at that point (Flux's "mark at the failure point"); the
 * status is built from it once, by `passStatus`. `plan` is the actions `lastPlan` summarises.
 */
export type PassMark =
  /** The branch head could not be read. */
  | { kind: 'unreachable'; reason: 'SourceUnavailable' | 'SourceRefused' | 'InternalError'; message: string }
  /** The head did not pass the gate (trust, schema, policy, secrets). */
  | { kind: 'refused'; head: string; error: LastError }
  /**
   * The head runs (applied now, or already). `recheck`: a step is still progressing and asked to
   * be looked at again then. `error`: an image update failed and was undone.
   */
  | {
      kind: 'synced';
      head: string;
      plan: Action[];
      /** A step still on its way: look again then, and why (the health shown meanwhile). */
      recheck?: { afterMs: number; reason: string };
      error?: LastError;
    }
  /** The operator's pinned commit runs, or failed to apply. */
  | { kind: 'pinned'; head: string; pinned: PinnedCommit; plan: Action[]; applyError?: LastError }
  /** The pinned commit no longer passes the gate: the pin is dropped. */
  | { kind: 'pin-refused'; head: string; pinned: PinnedCommit }
  /** The head failed: held, and the last healthy commit restored when there is one. */
  | {
      kind: 'held';
      head: string;
      failed: FailedCommit;
      /** The rollback target, when it passed the gate. */
      restored?: string;
      plan: Action[];
      applyError?: LastError;
    }
  | { kind: 'engine-unavailable'; head: string; message: string }
  | {
      kind: 'retrying';
      head: string;
      attempts: number;
      message: string;
      plan: Action[];
      /** A more precise word than ApplyFailed (an image pull failure's kind). */
      reason?: LastError['reason'];
    }
  | { kind: 'paused'; head: string; failed: FailedCommit }
  | { kind: 'repair-failed'; head: string; attempts: number; what: string; plan: Action[] };

/** What a status is summarised from besides the mark: all plain data. */
export interface PassFacts {
  project: string;
  previous: ProjectStatus | undefined;
  /** Health of what should run, judged against the containers last listed. */
  health: HealthFields;
  pollIntervalMs: number;
  startedAt: number;
  now: number;
}

export interface PassSummary {
  status: ProjectStatus;
  requeueAfterMs: number;
  /** The pass restored an older commit (a rollback, or an operator's pin). */
  rolledBack: boolean;
}

/** Pure: the project status of a pass, when it looks again, and whether it rolled back. */
export function passStatus(mark: PassMark, facts: PassFacts): PassSummary {
  const { previous, health, pollIntervalMs } = facts;
  const at = new Date(facts.now).toISOString();
  const base: ProjectStatus = {
    project: facts.project,
    sync: 'Unknown',
    health: 'Unknown',
    healthReason: '',
    services: {},
    appliedCommit: previous?.appliedCommit,
    lastHealthyCommit: previous?.lastHealthyCommit,
    lastReconcile: new Date(facts.startedAt).toISOString(),
  };
  const summary = (fields: Partial<ProjectStatus>, requeueAfterMs: number, rolledBack = false) => ({
    status: { ...base, ...health, ...fields, lastDurationMs: facts.now - facts.startedAt },
    requeueAfterMs,
    rolledBack,
  });
  const error = (reason: LastError['reason'], message: string, commit?: string): LastError => ({
    reason,
    message,
    commit,
    at,
  });

  switch (mark.kind) {
    case 'unreachable':
      return summary(
        {
          desiredCommit: previous?.desiredCommit,
          failedCommit: previous?.failedCommit,
          lastError: error(mark.reason, mark.message),
          lastResult: 'error',
        },
        pollIntervalMs,
      );
    case 'refused':
      return summary(
        {
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          refusedCommit: mark.head,
          lastError: mark.error,
          lastResult: 'refused',
        },
        pollIntervalMs,
      );
    case 'synced': {
      // A rollout still on its way (a step answered progressing): the head is not applied yet,
      // whatever runs meanwhile (old replicas of later batches): OutOfSync and Progressing until
      // a pass finds it done, as the status read while one long pass rolled it out.
      if (mark.recheck) {
        const settling = health.health === 'Healthy';
        return summary(
          {
            ...(settling ? { health: 'Progressing' as const, healthReason: mark.recheck.reason } : {}),
            sync: 'OutOfSync',
            desiredCommit: mark.head,
            lastResult: mark.error ? 'failed' : 'applied',
            lastError: mark.error,
            lastPlan: planOf(mark.plan),
          },
          Math.min(RECHECK_PROGRESSING_MS, mark.recheck.afterMs),
        );
      }
      const healthy = health.health === 'Healthy';
      return summary(
        {
          sync: 'Synced',
          desiredCommit: mark.head,
          appliedCommit: mark.head,
          lastHealthyCommit: healthy ? mark.head : previous?.lastHealthyCommit,
          lastResult: mark.error ? 'failed' : mark.plan.length ? 'applied' : 'converged',
          lastError: mark.error,
          lastPlan: planOf(mark.plan),
        },
        healthy || health.health === 'Degraded' ? pollIntervalMs : RECHECK_PROGRESSING_MS,
        mark.error !== undefined && mark.plan.length > 0,
      );
    }
    case 'pinned': {
      const acted = mark.plan.length > 0;
      return summary(
        {
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          appliedCommit: mark.applyError ? previous?.appliedCommit : mark.pinned.commit,
          pinned: mark.pinned,
          failedCommit: previous?.failedCommit,
          lastError: mark.applyError,
          lastResult: acted ? (mark.applyError ? 'failed' : 'applied') : 'converged',
          lastPlan: planOf(mark.plan),
        },
        mark.applyError ? ENGINE_RETRY_MS : pollIntervalMs,
        acted && !mark.applyError,
      );
    }
    case 'pin-refused':
      return summary(
        {
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          lastError: error(
            'InvalidCommit',
            `rollback target ${mark.pinned.commit.slice(0, 12)} no longer passes the gate`,
          ),
          lastResult: 'refused',
        },
        pollIntervalMs,
      );
    case 'held':
      return summary(
        {
          health: 'Degraded',
          healthReason: `commit ${mark.head.slice(0, 12)} was rolled back: ${mark.failed.reason}`,
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          appliedCommit: mark.restored ?? previous?.appliedCommit,
          failedCommit: mark.failed,
          lastError: mark.applyError ?? error('RolloutFailed', mark.failed.reason, mark.head),
          lastResult: 'failed',
          lastPlan: planOf(mark.plan),
        },
        mark.applyError ? ENGINE_RETRY_MS : pollIntervalMs,
        mark.restored !== undefined && mark.plan.length > 0,
      );
    case 'engine-unavailable':
      return summary(
        {
          sync: 'Unknown',
          desiredCommit: mark.head,
          lastError: error('EngineUnavailable', mark.message, mark.head),
          lastResult: 'error',
        },
        ENGINE_RETRY_MS,
      );
    case 'retrying':
      return summary(
        {
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          retry: { commit: mark.head, attempts: mark.attempts },
          lastError: error(
            mark.reason ?? 'ApplyFailed',
            `${mark.message} (attempt ${mark.attempts} of ${MAX_APPLY_ATTEMPTS})`,
            mark.head,
          ),
          lastResult: 'failed',
          lastPlan: summarisePlan(mark.plan),
        },
        retryDelayMs(mark.attempts),
      );
    case 'paused':
      return summary(
        {
          health: 'Degraded',
          healthReason: `rollout of ${mark.head.slice(0, 12)} paused: ${mark.failed.reason}`,
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          failedCommit: mark.failed,
          lastError: error('RolloutFailed', mark.failed.reason, mark.head),
          lastResult: 'failed',
        },
        pollIntervalMs,
      );
    case 'repair-failed':
      return summary(
        {
          health: 'Degraded',
          healthReason: `repair of ${mark.what} failed; retrying (attempt ${mark.attempts})`,
          sync: 'OutOfSync',
          desiredCommit: mark.head,
          retry: { commit: mark.head, attempts: mark.attempts },
          lastError: error('RepairFailed', mark.what, mark.head),
          lastResult: 'failed',
          lastPlan: summarisePlan(mark.plan),
        },
        retryDelayMs(mark.attempts),
      );
  }
}

/**
 * Pure: a pass that changed nothing and shows what the last one showed. 500 projects polled every
 * 10 s make 3000 idle passes a minute: those log at debug, any other pass at info.
 */
export function isIdlePass(
  status: ProjectStatus,
  actions: number,
  previous: ProjectStatus | undefined,
): boolean {
  return (
    actions === 0 &&
    status.lastResult === 'converged' &&
    previous?.lastResult === 'converged' &&
    previous.sync === status.sync &&
    previous.health === status.health &&
    previous.desiredCommit === status.desiredCommit
  );
}

function planOf(actions: Action[]): ProjectStatus['lastPlan'] {
  return actions.length ? summarisePlan(actions) : undefined;
}
