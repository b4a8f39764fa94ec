import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackup } from '../../../src/cli/backup/create.js';
import { parseManifest } from '../../../src/cli/backup/manifest.js';
import { restoreBackup, RestoreRefused } from '../../../src/cli/backup/restore.js';
import { runningDaemonPid, writePidFile } from '../../../src/daemon/pid-file.js';
import { CURRENT_SCHEMA_VERSION } from '../../../src/store/backup.js';
import { openHistoryStore } from '../../../src/store/history-store.js';
import { SecretStore } from '../../../src/secrets/store.js';

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'spin-backup-unit-'));
  state = path.join(dir, 'state');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function seed(): Promise<void> {
  openHistoryStore({ path: path.join(state, 'spin.db') }).close();
  mkdirSync(path.join(state, 'secrets'), { recursive: true });
  const key = Buffer.alloc(32, 7);
  writeFileSync(path.join(state, 'secrets', 'master.key'), key.toString('base64'));
  await new SecretStore(state, key).set('demo', 'db', Buffer.from('value'));
}

const backup = (to: string) => createBackup({ stateDir: state, keyEnv: 'SPIN_SECRET_KEY' }, to);

describe('spin backup / restore building blocks', () => {
  it('restores a backup whose files and manifest agree, and the secret decrypts', async () => {
    await seed();
    const manifest = await backup(path.join(dir, 'b'));
    expect(manifest.files.map((f) => f.path)).toEqual(['secrets/demo.json', 'secrets/master.key', 'spin.db']);
    const fresh = path.join(dir, 'fresh');
    const result = await restoreBackup(path.join(dir, 'b'), fresh);
    expect(result.restored).toEqual(['secrets/demo.json', 'secrets/master.key', 'spin.db']);
    const key = Buffer.from(readFileSync(path.join(fresh, 'secrets', 'master.key'), 'utf8'), 'base64');
    expect((await new SecretStore(fresh, key).get('demo', 'db'))?.toString()).toBe('value');
  });

  it('backs up and restores the per-project API tokens (access/tokens.json)', async () => {
    await seed();
    mkdirSync(path.join(state, 'access'), { recursive: true });
    const tokens = '{"version":1,"tokens":[]}\n';
    writeFileSync(path.join(state, 'access', 'tokens.json'), tokens);
    writeFileSync(path.join(state, 'access', 'tokens.json.lock'), '');
    const manifest = await backup(path.join(dir, 'b'));
    expect(manifest.files.map((f) => f.path)).toContain('access/tokens.json');
    expect(manifest.files.map((f) => f.path)).not.toContain('access/tokens.json.lock');
    const fresh = path.join(dir, 'fresh');
    const result = await restoreBackup(path.join(dir, 'b'), fresh);
    expect(result.restored).toContain('access/tokens.json');
    expect(readFileSync(path.join(fresh, 'access', 'tokens.json'), 'utf8')).toBe(tokens);
    // A target that already has tokens is state: refused unless forced.
    await expect(restoreBackup(path.join(dir, 'b'), fresh)).rejects.toThrow(/access/);
  });

  it('refuses a damaged backup, a manifest naming paths outside the allow list, and a newer schema', async () => {
    await seed();
    const b = path.join(dir, 'b');
    await backup(b);
    writeFileSync(path.join(b, 'secrets', 'demo.json'), '{}');
    await expect(restoreBackup(b, path.join(dir, 'x'))).rejects.toThrow(/differs from the manifest/);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);

    expect(() =>
      parseManifest({
        format: 'spin-backup/1',
        schemaVersion: 1,
        key: { kind: 'none' },
        files: [{ path: '../etc/passwd', bytes: 1, sha256: 'a'.repeat(64) }],
      }),
    ).toThrow(/does not back up/);

    const c = path.join(dir, 'c');
    await backup(c);
    const db = new Database(path.join(c, 'spin.db'));
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'future', 'now')").run(CURRENT_SCHEMA_VERSION + 1);
    db.close();
    // Rewrite the manifest's digest so only the schema check can refuse it.
    const { createHash } = await import('node:crypto');
    const bytes = readFileSync(path.join(c, 'spin.db'));
    const manifest = JSON.parse(readFileSync(path.join(c, 'manifest.json'), 'utf8')) as {
      files: { path: string; bytes: number; sha256: string }[];
    };
    for (const f of manifest.files.filter((x) => x.path === 'spin.db')) {
      f.bytes = bytes.length;
      f.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
    writeFileSync(path.join(c, 'manifest.json'), JSON.stringify(manifest));
    await expect(restoreBackup(c, path.join(dir, 'y'))).rejects.toThrow(/newer than this Spin understands/);
  });

  it('refuses a target with state unless forced, and a live daemon even when forced', async () => {
    await seed();
    const b = path.join(dir, 'b');
    await backup(b);
    await expect(restoreBackup(b, state)).rejects.toBeInstanceOf(RestoreRefused);
    writeFileSync(path.join(state, 'spin.db-wal'), 'stale');
    await restoreBackup(b, state, { force: true });
    expect(existsSync(path.join(state, 'spin.db-wal'))).toBe(false);

    // A real other process (this test's own pid would do too, but proves nothing about others).
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writePidFile(state, child.pid);
      expect(await runningDaemonPid(state)).toBe(child.pid);
      await expect(restoreBackup(b, state, { force: true })).rejects.toThrow(/is running on .*stop it first/);
    } finally {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // The same file after the process ended is stale: no longer a reason to refuse.
    expect(await runningDaemonPid(state)).toBeUndefined();
  });
});
