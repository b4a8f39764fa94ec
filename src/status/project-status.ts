import type { Diagnostic } from '../stack/diagnostics.js';
import type { Health, HealthVerdict } from '../model/health.js';
import type { PlanSummary } from '../model/plan-summary.js';
import type { ImagePin, ImagePullReason, ImageUpdateState } from '../model/image.js';

export type SyncState = 'Synced' | 'OutOfSync' | 'Unknown';

/** Why the last pass did not converge; `reason` is a stable word an operator can act on. */
export interface LastError {
  reason:
    | 'InvalidCommit'
    | 'UntrustedCommit'
    | 'SourceUnavailable'
    /** The repository's fetch broke a `git:` limit of the daemon config (an oversized object). */
    | 'SourceRefused'
    | 'EngineUnavailable'
    | 'ApplyFailed'
    | 'RolloutFailed'
    | 'RepairFailed'
    | 'PassTimeout'
    | 'InternalError'
    /** An image could not be resolved or pulled (src/model/image.ts tells the kinds apart). */
    | ImagePullReason
    /** A followed tag moved to a digest whose rollout failed: the old digest runs again. */
    | 'ImageUpdateFailed'
    /** Newer tags in a semver range, but the project requires signed commits and Spin signs none. */
    | 'ImageUpdateUnsigned'
    /** Newer tags in a semver range, but the commit could not be written or pushed. */
    | 'ImageUpdateRefused';
  message: string;
  commit?: string;
  diagnostics?: Diagnostic[];
  at: string;
}

/** What `spin status` shows for one project; written by the daemon after every pass. */
export interface ProjectStatus {
  /** The engine the project runs on (config `engine:`), as of its last pass. */
  engine?: string;
  /** Internal name (`<project>--<env>` for an environment, src/config/environments.ts). */
  project: string;
  /** Set for an environment's unit: shown as `<project>/<env>`. */
  environment?: { project: string; name: string };
  sync: SyncState;
  health: Health;
  healthReason: string;
  services: Record<string, HealthVerdict>;
  /** Head of the deploy branch at the last pass (Flux's lastAttemptedRevision). */
  desiredCommit?: string;
  /** Last commit whose stack was applied and converged (Flux's lastAppliedRevision). */
  appliedCommit?: string;
  /** Set while the head is a commit Spin refused (schema, policy, trust). */
  refusedCommit?: string;
  lastError?: LastError;
  lastReconcile?: string;
  lastResult?: 'converged' | 'applied' | 'refused' | 'failed' | 'error';
  lastPlan?: PlanSummary;
  lastDurationMs?: number;
  suspended?: boolean;
  /** Last commit that converged and was healthy: what a failed rollout rolls back to. */
  lastHealthyCommit?: string;
  /** A commit whose rollout failed or kept failing: not retried until the branch moves on. */
  failedCommit?: { commit: string; reason: string; at: string; fingerprint?: string };
  /**
   * Set by an operator's rollback: run `commit` instead of the branch head while the head is
   * still `head`; the next push to the branch ends it.
   */
  pinned?: { commit: string; head: string; at: string };
  /**
   * What each service runs: the stack's image reference and the manifest digest every replica
   * runs (no digest for an image built on the engine, with a note saying so).
   */
  images?: Record<string, ImagePin>;
  /**
   * Image updates still being rolled out and digests whose rollout failed (image-update-memory.ts):
   * kept here so that a restarted daemon judges an update in flight and does not try a failed
   * digest again.
   */
  imageUpdates?: ImageUpdateState;
  /**
   * What the pass running now is doing (`pulling reg/web:1: 2/3 layers, 4.1/6.0 MB`); only in the
   * daemon's live answers (API, `spin sync`), never persisted.
   */
  progress?: string;
  /** Consecutive failed attempts at applying one commit (engine errors), for backoff and the bound. */
  retry?: { commit: string; attempts: number };
}

/** Before the first pass; an environment's unit says already which one it is (`<project>/<env>`). */
export function unknownStatus(project: string, environment?: ProjectStatus['environment']): ProjectStatus {
  return {
    project,
    ...(environment ? { environment } : {}),
    sync: 'Unknown',
    health: 'Unknown',
    healthReason: 'not reconciled yet',
    services: {},
  };
}
