import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertSchemaSupported, backupHistoryDb, CURRENT_SCHEMA_VERSION } from '../../../src/store/backup.js';
import { openHistoryStore } from '../../../src/store/history-store.js';
import { MIGRATIONS, migrate } from '../../../src/store/migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'spin-store-backup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const pass = (project: string, n: number) => ({
  project,
  commit: `c${n}`,
  result: 'applied' as const,
  sync: 'Synced' as const,
  health: 'Healthy' as const,
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  durationMs: n,
  actions: [],
});

describe('history database backup and schema versions', () => {
  it('copies every committed pass while the store stays open for writing (WAL), mode 0600', async () => {
    const live = openHistoryStore({ path: path.join(dir, 'spin.db') });
    try {
      for (let n = 1; n <= 20; n++) live.recordPass(pass('p', n));
      const copy = path.join(dir, 'copy.db');
      expect(await backupHistoryDb(path.join(dir, 'spin.db'), copy)).toBe(CURRENT_SCHEMA_VERSION);
      live.recordPass(pass('p', 21)); // after the snapshot: not in the copy
      expect(statSync(copy).mode & 0o777).toBe(0o600);
      const restored = openHistoryStore({ path: copy });
      try {
        expect(restored.listPasses('p', { limit: 100 })).toEqual(
          live.listPasses('p', { limit: 100 }).slice(1),
        );
      } finally {
        restored.close();
      }
    } finally {
      live.close();
    }
  });

  it('a database written by a newer Spin is refused at open, naming the file and the way back', () => {
    const file = path.join(dir, 'spin.db');
    const db = new Database(file);
    migrate(db, [
      ...MIGRATIONS,
      { version: CURRENT_SCHEMA_VERSION + 1, name: 'from the future', sql: 'SELECT 1' },
    ]);
    db.close();
    expect(() => openHistoryStore({ path: file })).toThrow(
      new RegExp(
        `^${file.replace(/[.\\/]/g, '\\$&')}: history database is at schema version ${CURRENT_SCHEMA_VERSION + 1}, newer than this Spin understands \\(${CURRENT_SCHEMA_VERSION}\\); .*restoring the backup taken before its upgrade`,
      ),
    );
    // Refused without writing: the file still says the newer version.
    const again = new Database(file, { readonly: true });
    try {
      const row = again.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number };
      expect(row.v).toBe(CURRENT_SCHEMA_VERSION + 1);
    } finally {
      again.close();
    }
  });

  it('assertSchemaSupported accepts older and current versions and refuses newer ones', () => {
    expect(() => assertSchemaSupported(1, 'x')).not.toThrow();
    expect(() => assertSchemaSupported(CURRENT_SCHEMA_VERSION, 'x')).not.toThrow();
    expect(() => assertSchemaSupported(CURRENT_SCHEMA_VERSION + 1, 'the backup')).toThrow(
      /^the backup is at history schema version \d+, newer than this Spin understands/,
    );
  });
});
