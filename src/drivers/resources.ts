/**
 * The engine-neutral resource contract: what a driver renders the desired state into, what it
 * observes on its engine, and the steps the planner asks it to take. Nothing here knows an engine:
 * a resource is a key, a content hash, ordering edges, a prune rule and a body only its driver
 * reads (gitops-engine's keyed pairing; controller-runtime's `Result{RequeueAfter}`).
 */
import type { FileContents } from '../model/file-contents.js';
import type { HealthVerdict } from '../model/health.js';
import type { StackModel } from '../stack/model.js';

/** The desired state of one project at one commit, with each service's config hash. */
export interface DesiredState {
  model: StackModel;
  commit: string;
  hashes: Record<string, string>;
  /**
   * The secrets' and configs' contents, for an engine that stores them itself (Swarm); absent
   * for Docker (files under the runtime folder) and before delivery (commit-time admission).
   */
  contents?: FileContents;
}

/**
 * When a live resource nothing desires any more is deleted: `always`, only when the project's
 * policy allows pruning data (`volumes.prune`: `when-allowed`), or `never`.
 */
export type PruneRule = 'always' | 'when-allowed' | 'never';

/** One thing the engine should have, as the driver renders it. */
export interface DesiredResource {
  /** The driver's kind, e.g. `network`, `service`; the planner only sorts by it. */
  kind: string;
  /** Unique within a project; pairs this resource with its live counterpart. */
  key: string;
  /** Equal hashes mean the live resource already is what is desired (drift aside). */
  hash: string;
  /** Keys this one is applied after (when they change in the same plan). */
  dependsOn: string[];
  /**
   * The apply wave (gitops-engine's sync wave): lower waves are applied first. Within a wave,
   * deletions go before creations and updates, which follow `dependsOn`.
   */
  wave: number;
  prune: PruneRule;
  /** Only the driver that rendered it reads it. */
  body: unknown;
}

/** One thing the engine has that Spin manages, as the driver observed it. */
export interface LiveResource {
  kind: string;
  key: string;
  /** The hash the resource was made from (as the engine recorded it), '' when unknown or mixed. */
  hash: string;
  /** The wave its deletion runs in. */
  wave: number;
  prune: PruneRule;
  /** The resource's own health, as the driver judges its kind. */
  health?: HealthVerdict;
  body: unknown;
}

export type StepOp = 'create' | 'update' | 'delete';

/** What the planner asks of one resource. */
export interface Step {
  op: StepOp;
  key: string;
  kind: string;
  wave: number;
  dependsOn: string[];
  desired?: DesiredResource;
  live?: LiveResource;
  /** Why, in the planner's words: `missing`, `changed`, the driver's drift, `not desired`. */
  why: string;
}

/**
 * How one step ended. `progressing`: accepted, not there yet, look again after `retryAfterMs`.
 * `failed` + `retryable: false`: the commit itself is at fault (a rollout that did not become
 * ready), retrying the same commit will not help; `retryable: true`: the engine failed, the next
 * pass retries with backoff. `cause` carries the engine's error (never a secret) for classifying.
 */
export type StepResult =
  | { done: true }
  | { progressing: true; retryAfterMs: number; reason: string }
  | {
      failed: true;
      retryable: boolean;
      reason: string;
      /** For a rollout failure: the unit that failed, and what its update policy says to do. */
      rollout?: { unit: string; reason: string; failureAction: 'pause' | 'continue' | 'rollback' };
      cause?: unknown;
    };
