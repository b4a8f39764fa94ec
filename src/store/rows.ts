import type { Health } from '../model/health.js';
import type { SyncState } from '../status/project-status.js';
import type { ActionRecord, EventRecord, PassRecord, PassResult } from './types.js';

/** Rows as SQLite returns them; converted here so the store's callers never see column names. */
export interface PassRow {
  id: number;
  project: string;
  commit_sha: string | null;
  result: string;
  sync: string;
  health: string;
  started_at: string;
  duration_ms: number;
  actions: string;
  error_reason: string | null;
  error_message: string | null;
  /** Added by migration 3; null for passes recorded before it. */
  pass_id: string | null;
}

export interface EventRow {
  id: number;
  project: string;
  kind: string;
  message: string;
  data: string | null;
  at: string;
}

export function toPassRecord(row: PassRow): PassRecord {
  const record: PassRecord = {
    id: row.id,
    project: row.project,
    result: row.result as PassResult,
    sync: row.sync as SyncState,
    health: row.health as Health,
    actions: JSON.parse(row.actions) as ActionRecord[],
    startedAt: row.started_at,
    durationMs: row.duration_ms,
  };
  if (row.commit_sha !== null) record.commit = row.commit_sha;
  if (row.pass_id !== null) record.passId = row.pass_id;
  if (row.error_message !== null)
    record.error = { reason: row.error_reason ?? '', message: row.error_message };
  return record;
}

export function toEventRecord(row: EventRow): EventRecord {
  const record: EventRecord = {
    id: row.id,
    project: row.project,
    kind: row.kind,
    message: row.message,
    at: row.at,
  };
  if (row.data !== null) record.data = JSON.parse(row.data) as unknown;
  return record;
}
