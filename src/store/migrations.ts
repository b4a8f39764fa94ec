import type { Database } from 'better-sqlite3';

/**
 * Numbered schema changes, applied in order on open. A migration is never edited once released:
 * a change to the schema is a new entry, so a database from any older daemon can be brought forward.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'passes and events',
    sql: `
      CREATE TABLE passes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL,
        commit_sha TEXT,
        result TEXT NOT NULL,
        sync TEXT NOT NULL,
        health TEXT NOT NULL,
        started_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        actions TEXT NOT NULL,
        error_reason TEXT,
        error_message TEXT
      );
      -- Every read and every prune is "this project, newest first": one index serves them all.
      CREATE INDEX passes_project_id ON passes (project, id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX events_project_id ON events (project, id);
    `,
  },
  {
    version: 2,
    name: 'good commits kept apart from pruned passes',
    // Rollback targets must outlive the pass bound: a daemon that polls every 15s fills 500
    // passes in about two hours, and yesterday's good commit would otherwise be forgotten.
    sql: `
      CREATE TABLE good_commits (
        project TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        last_pass_id INTEGER NOT NULL,
        PRIMARY KEY (project, commit_sha)
      );
      CREATE INDEX good_commits_recent ON good_commits (project, last_pass_id);
      INSERT INTO good_commits (project, commit_sha, first_at, last_at, last_pass_id)
        SELECT project, commit_sha, MIN(started_at), MAX(started_at), MAX(id) FROM passes
        WHERE commit_sha IS NOT NULL AND result IN ('applied', 'converged') AND health = 'Healthy'
        GROUP BY project, commit_sha;
    `,
  },
  {
    version: 3,
    name: 'pass id',
    // Ties a history row to the pass's log lines and commit status; older rows have none.
    sql: `ALTER TABLE passes ADD COLUMN pass_id TEXT;`,
  },
];

/**
 * Brings the database to the newest version in one immediate transaction, so two processes
 * opening the same file cannot both apply a migration. Returns the versions it applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const run = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > newest) {
      throw new Error(
        `history database is at schema version ${current}, newer than this Spin understands (${newest}); ` +
          'run that newer Spin, or roll back by restoring the backup taken before its upgrade (docs/operations.md)',
      );
    }
    const pending = migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
    return pending.map((m) => m.version);
  });
  return run.immediate();
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
