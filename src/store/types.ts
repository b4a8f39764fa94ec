import type { Health } from '../model/health.js';
import type { ProjectStatus, SyncState } from '../status/project-status.js';

/** What a pass ended with; the same words as ProjectStatus.lastResult. */
export type PassResult = NonNullable<ProjectStatus['lastResult']>;

/** One action the pass attempted (kind is Action['kind'] from the planner, or any later kind). */
export interface ActionRecord {
  kind: string;
  /** The object acted on: container, network or volume name. */
  name?: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

export interface PassError {
  /** A stable word such as LastError['reason']. */
  reason: string;
  message: string;
}

/** One reconcile pass as the daemon reports it. Already redacted: the store keeps what it is given. */
export interface PassInput {
  project: string;
  commit?: string;
  result: PassResult;
  sync: SyncState;
  health: Health;
  actions: ActionRecord[];
  /** ISO 8601 time the pass started. */
  startedAt: string;
  durationMs: number;
  error?: PassError;
  /** The id the pass's log lines and commit status carry (`pass` in the logs), to find one from the other. */
  passId?: string;
}

export interface PassRecord extends PassInput {
  /** Increases with every pass; use it as the `before` cursor to page back in time. */
  id: number;
}

/** Kinds the daemon records; free-form so later features need no migration. */
export type EventKind = 'drift-repair' | 'rollback' | 'refused' | 'suspended' | 'resumed' | (string & {});

export interface EventRecord {
  id: number;
  project: string;
  kind: EventKind;
  message: string;
  data?: unknown;
  /** ISO 8601 time the event was recorded. */
  at: string;
}

export interface GoodCommit {
  commit: string;
  /** First and last time a pass at this commit was applied or converged and healthy. */
  firstAt: string;
  lastAt: string;
}
