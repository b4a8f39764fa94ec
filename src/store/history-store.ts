import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import type { EventKind, EventRecord, GoodCommit, PassInput, PassRecord } from './types.js';
import { toEventRecord, toPassRecord, type EventRow, type PassRow } from './rows.js';

export type * from './types.js';

export interface HistoryStoreOptions {
  /** The database file (`historyDbPath(stateDir)`), or ':memory:' in tests. */
  path: string;
  /** Passes kept per project; older ones are pruned as new ones arrive. */
  maxPassesPerProject?: number;
  /** Events kept per project. */
  maxEventsPerProject?: number;
  /** Distinct good commits kept per project as rollback targets. */
  maxGoodCommitsPerProject?: number;
  /** Clock for event times (tests). */
  now?: () => Date;
}

export interface HistoryStore {
  recordPass(pass: PassInput): PassRecord;
  /** Newest first; `before` is a pass id, to page back from the oldest one already shown. */
  listPasses(project: string, options?: { limit?: number; before?: number }): PassRecord[];
  /** Commits whose pass was applied or converged and Healthy, most recently good first. */
  lastGoodCommits(project: string, limit?: number): GoodCommit[];
  recordEvent(project: string, kind: EventKind, message: string, data?: unknown): EventRecord;
  /** Newest first. */
  listEvents(project: string, limit?: number): EventRecord[];
  /** True when the database answers a query (for /readyz). */
  ping(): boolean;
  close(): void;
}

export const DEFAULT_MAX_PASSES = 500;
export const DEFAULT_MAX_EVENTS = 1000;
export const DEFAULT_MAX_GOOD_COMMITS = 50;
const MAX_PAGE = 1000;

export function historyDbPath(stateDir: string): string {
  return path.join(stateDir, 'spin.db');
}

/** Opens (creating if needed) and migrates the history database. Synchronous: SQLite is local. */
export function openHistoryStore(options: HistoryStoreOptions): HistoryStore {
  const maxPasses = positive(options.maxPassesPerProject ?? DEFAULT_MAX_PASSES, 'maxPassesPerProject');
  const maxEvents = positive(options.maxEventsPerProject ?? DEFAULT_MAX_EVENTS, 'maxEventsPerProject');
  const maxGood = positive(options.maxGoodCommitsPerProject ?? DEFAULT_MAX_GOOD_COMMITS, 'maxGoodCommits');
  const now = options.now ?? (() => new Date());

  if (options.path !== ':memory:') mkdirSync(path.dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    // WAL lets readers (API requests) proceed while a pass is being written; NORMAL sync is
    // durable across process crashes, which is what history needs (not power-loss durability).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    db.close();
    // Say which file: the operator may have several stateDirs (or a restored one).
    if (err instanceof Error) err.message = `${options.path}: ${err.message}`;
    throw err;
  }

  const insertPass = db.prepare(`INSERT INTO passes
    (project, commit_sha, result, sync, health, started_at, duration_ms, actions, error_reason, error_message, pass_id)
    VALUES (@project, @commit, @result, @sync, @health, @startedAt, @durationMs, @actions, @errorReason, @errorMessage, @passId)`);
  // Bounds are enforced on every insert by deleting below the (max+1)-th newest id: an index walk
  // of `max` entries plus the one or two rows that fell out, never a scan of the table.
  const prunePasses = db.prepare(`DELETE FROM passes WHERE project = @project AND id <=
    (SELECT id FROM passes WHERE project = @project ORDER BY id DESC LIMIT 1 OFFSET @keep)`);
  const upsertGood =
    db.prepare(`INSERT INTO good_commits (project, commit_sha, first_at, last_at, last_pass_id)
    VALUES (@project, @commit, @at, @at, @id)
    ON CONFLICT (project, commit_sha) DO UPDATE SET last_at = excluded.last_at, last_pass_id = excluded.last_pass_id`);
  const pruneGood = db.prepare(`DELETE FROM good_commits WHERE project = @project AND last_pass_id <=
    (SELECT last_pass_id FROM good_commits WHERE project = @project ORDER BY last_pass_id DESC LIMIT 1 OFFSET @keep)`);
  const selectPasses = db.prepare(
    `SELECT * FROM passes WHERE project = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  );
  const selectGood = db.prepare(`SELECT commit_sha, first_at, last_at FROM good_commits
    WHERE project = ? ORDER BY last_pass_id DESC LIMIT ?`);
  const insertEvent = db.prepare(
    `INSERT INTO events (project, kind, message, data, at) VALUES (?, ?, ?, ?, ?)`,
  );
  const pruneEvents = db.prepare(`DELETE FROM events WHERE project = @project AND id <=
    (SELECT id FROM events WHERE project = @project ORDER BY id DESC LIMIT 1 OFFSET @keep)`);
  const selectEvents = db.prepare(`SELECT * FROM events WHERE project = ? ORDER BY id DESC LIMIT ?`);

  const recordPass = db.transaction((input: PassInput): PassRecord => {
    // Whole milliseconds, so what is returned now equals what is read back later.
    const pass = { ...input, durationMs: Math.round(input.durationMs) };
    const info = insertPass.run({
      project: pass.project,
      commit: pass.commit ?? null,
      result: pass.result,
      sync: pass.sync,
      health: pass.health,
      startedAt: pass.startedAt,
      durationMs: pass.durationMs,
      actions: JSON.stringify(pass.actions),
      errorReason: pass.error?.reason ?? null,
      errorMessage: pass.error?.message ?? null,
      passId: pass.passId ?? null,
    });
    const id = Number(info.lastInsertRowid);
    prunePasses.run({ project: pass.project, keep: maxPasses });
    if (pass.commit && isGood(pass)) {
      upsertGood.run({ project: pass.project, commit: pass.commit, at: pass.startedAt, id });
      pruneGood.run({ project: pass.project, keep: maxGood });
    }
    return { ...pass, id };
  });

  const recordEvent = db.transaction(
    (project: string, kind: EventKind, message: string, data?: unknown): EventRecord => {
      const at = now().toISOString();
      const json = data === undefined ? null : JSON.stringify(data);
      const id = Number(insertEvent.run(project, kind, message, json, at).lastInsertRowid);
      pruneEvents.run({ project, keep: maxEvents });
      return toEventRecord({ id, project, kind, message, data: json, at });
    },
  );

  return {
    recordPass: (pass) => recordPass(pass),
    listPasses(project, { limit = 50, before } = {}) {
      const rows = selectPasses.all(project, before ?? Number.MAX_SAFE_INTEGER, page(limit)) as PassRow[];
      return rows.map(toPassRecord);
    },
    lastGoodCommits(project, limit = 10) {
      const rows = selectGood.all(project, page(limit)) as {
        commit_sha: string;
        first_at: string;
        last_at: string;
      }[];
      return rows.map((r) => ({ commit: r.commit_sha, firstAt: r.first_at, lastAt: r.last_at }));
    },
    recordEvent: (project, kind, message, data) => recordEvent(project, kind, message, data),
    listEvents(project, limit = 50) {
      return (selectEvents.all(project, page(limit)) as EventRow[]).map(toEventRecord);
    },
    ping() {
      try {
        return db.open && db.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    close() {
      if (db.open) db.close();
    },
  };
}

/** A commit that is safe to roll back to: it was deployed and every service was healthy. */
function isGood(pass: PassInput): boolean {
  return (pass.result === 'applied' || pass.result === 'converged') && pass.health === 'Healthy';
}

function page(limit: number): number {
  return Math.min(Math.max(1, Math.floor(limit)), MAX_PAGE);
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`history store: ${name} must be a positive integer`);
  return n;
}
