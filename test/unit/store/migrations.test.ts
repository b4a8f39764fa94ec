import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, schemaVersion, type Migration } from '../../../src/store/migrations.js';
import { openHistoryStore } from '../../../src/store/history-store.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'spin-migrate-'));
  file = path.join(dir, 'spin.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tables(db: Database.Database): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  return (rows as { name: string }[]).map((r) => r.name).filter((n) => !n.startsWith('sqlite_'));
}

describe('migrations', () => {
  it('numbers migrations 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('brings a fresh database to the newest version, in WAL mode', () => {
    openHistoryStore({ path: file }).close();
    const db = new Database(file);
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
      expect(tables(db)).toEqual(['events', 'good_commits', 'passes', 'schema_migrations']);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('is idempotent: applying again changes nothing', () => {
    const db = new Database(file);
    try {
      expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(migrate(db)).toEqual([]);
      const rows = db.prepare('SELECT version FROM schema_migrations').all();
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('upgrades an existing database from an older version and keeps its data', () => {
    const db = new Database(file);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO passes (project, commit_sha, result, sync, health, started_at, duration_ms, actions)
       VALUES ('alpha', 'c0ffee', 'converged', 'Synced', 'Healthy', '2026-01-01T00:00:00.000Z', 5, '[]')`,
    ).run();
    db.close();

    const store = openHistoryStore({ path: file });
    try {
      expect(store.listPasses('alpha').map((p) => p.commit)).toEqual(['c0ffee']);
      // Migration 2 backfilled the good commits from the passes that already existed.
      expect(store.lastGoodCommits('alpha').map((g) => g.commit)).toEqual(['c0ffee']);
    } finally {
      store.close();
    }
  });

  it('applies only the new migrations to an existing database', () => {
    const db = new Database(file);
    try {
      migrate(db);
      const extra: Migration = {
        version: MIGRATIONS.length + 1,
        name: 'extra',
        sql: 'CREATE TABLE extra (x)',
      };
      expect(migrate(db, [...MIGRATIONS, extra])).toEqual([extra.version]);
      expect(tables(db)).toContain('extra');
    } finally {
      db.close();
    }
  });

  it('rolls back a failing migration completely', () => {
    const db = new Database(file);
    try {
      migrate(db);
      const broken: Migration[] = [
        ...MIGRATIONS,
        { version: 90, name: 'ok', sql: 'CREATE TABLE half (x)' },
        { version: 91, name: 'broken', sql: 'CREATE TABLE nope (' },
      ];
      expect(() => migrate(db, broken)).toThrow();
      expect(tables(db)).not.toContain('half');
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer Spin', () => {
    const db = new Database(file);
    migrate(db, [...MIGRATIONS, { version: 99, name: 'future', sql: 'SELECT 1' }]);
    db.close();
    expect(() => openHistoryStore({ path: file })).toThrow(/schema version 99, newer than this Spin/);
  });
});
