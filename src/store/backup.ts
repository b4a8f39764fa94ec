import { chmod } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { MIGRATIONS, schemaVersion } from './migrations.js';

/** The newest schema version this Spin's history store knows (recorded in backup manifests). */
export const CURRENT_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Copies the history database to `dest` with SQLite's online backup API, which reads a consistent
 * snapshot page by page while the daemon keeps writing (WAL mode): the copy holds every committed
 * pass, never half a transaction, and needs no -wal file beside it. Returns the copy's schema
 * version. `dest` must not exist; it is left with mode 0600 (history rows can name commits and errors).
 */
export async function backupHistoryDb(source: string, dest: string): Promise<number> {
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(dest);
  } finally {
    db.close();
  }
  await chmod(dest, 0o600);
  return readSchemaVersion(dest);
}

/** The schema version recorded in a history database file, read only. */
export function readSchemaVersion(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return schemaVersion(db);
  } finally {
    db.close();
  }
}

/** Refuses a database a newer Spin wrote, before anything opens it for writing. */
export function assertSchemaSupported(version: number, what: string): void {
  if (version > CURRENT_SCHEMA_VERSION) {
    throw new Error(
      `${what} is at history schema version ${version}, newer than this Spin understands (${CURRENT_SCHEMA_VERSION}); ` +
        'run the Spin version that wrote it, or restore a backup taken before the upgrade (docs/operations.md)',
    );
  }
}
