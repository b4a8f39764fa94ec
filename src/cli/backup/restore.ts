import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pidFilePath, runningDaemonPid } from '../../daemon/pid-file.js';
import { assertSchemaSupported, readSchemaVersion } from '../../store/backup.js';
import { historyDbPath } from '../../store/history-store.js';
import {
  EXTERNAL_KEY_FILE,
  HISTORY_FILE,
  MANIFEST_FILE,
  parseManifest,
  sha256,
  type BackupManifest,
} from './manifest.js';

/** A restore that must not go ahead: exit code 1, with what to do. */
export class RestoreRefused extends Error {}

/** What a restore replaces in the target stateDir (with --force); caches are left alone. */
const REPLACED = ['spin.db', 'spin.db-wal', 'spin.db-shm', 'secrets', 'access', 'status', 'statuses'];

export interface RestoreResult {
  manifest: BackupManifest;
  /** Files written under the stateDir, relative to it. */
  restored: string[];
  /** The backup's copy of an external `secrets.keyFile`, which the operator puts back. */
  externalKey?: { backupCopy: string; originalPath: string };
}

/**
 * Restores a `spin backup` folder into a stopped stateDir. Checks everything before writing
 * anything: the manifest, every file's size and SHA-256, the schema (a backup from a newer Spin is
 * refused), no live daemon on the stateDir, and an empty target unless `force`. The database is
 * moved into place last, after any stale -wal/-shm beside it is gone (SQLite would replay a
 * leftover WAL onto the restored file and corrupt it).
 */
export async function restoreBackup(
  dir: string,
  stateDir: string,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  const source = path.resolve(dir);
  let manifest: BackupManifest;
  try {
    manifest = parseManifest(JSON.parse(await readFile(path.join(source, MANIFEST_FILE), 'utf8')));
  } catch (err) {
    throw new RestoreRefused(`${path.join(source, MANIFEST_FILE)}: ${(err as Error).message}`);
  }
  const data = new Map<string, Buffer>();
  for (const file of manifest.files) {
    const bytes = await readFile(path.join(source, file.path)).catch(() => undefined);
    if (bytes === undefined || bytes.length !== file.bytes || sha256(bytes) !== file.sha256) {
      throw new RestoreRefused(
        `${path.join(source, file.path)} is missing or differs from the manifest; the backup is damaged, use another one`,
      );
    }
    data.set(file.path, bytes);
  }
  if (!data.has(HISTORY_FILE)) throw new RestoreRefused(`the backup in ${source} holds no history database`);
  try {
    assertSchemaSupported(
      readSchemaVersion(path.join(source, HISTORY_FILE)),
      `the backup's history database`,
    );
  } catch (err) {
    throw new RestoreRefused((err as Error).message);
  }

  const pid = await runningDaemonPid(stateDir);
  if (pid !== undefined) {
    throw new RestoreRefused(
      `a Spin daemon (pid ${pid}, ${pidFilePath(stateDir)}) is running on ${stateDir}; stop it first`,
    );
  }
  const present = await existingState(stateDir);
  if (present.length > 0 && !options.force) {
    throw new RestoreRefused(
      `${stateDir} already holds state (${present.join(', ')}); restore into a fresh stateDir, or add --force to replace it`,
    );
  }

  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  for (const name of REPLACED) await rm(path.join(stateDir, name), { recursive: true, force: true });
  const restored: string[] = [];
  for (const [rel, bytes] of data) {
    if (rel === HISTORY_FILE || rel === EXTERNAL_KEY_FILE) continue;
    const to = path.join(stateDir, rel);
    await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
    await writeFile(to, bytes, { mode: 0o600 });
    restored.push(rel);
  }
  const db = historyDbPath(stateDir);
  const staged = `${db}.restore-${process.pid}`;
  await writeFile(staged, data.get(HISTORY_FILE) as Buffer, { mode: 0o600 });
  await rename(staged, db);
  restored.push(HISTORY_FILE);

  const result: RestoreResult = { manifest, restored: restored.sort() };
  if (manifest.key.kind === 'keyFile' && data.has(EXTERNAL_KEY_FILE)) {
    result.externalKey = {
      backupCopy: path.join(source, EXTERNAL_KEY_FILE),
      originalPath: manifest.key.path,
    };
  }
  return result;
}

/** What in the stateDir a restore would replace, by name; [] for a fresh or cache-only folder. */
async function existingState(stateDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of REPLACED) {
    try {
      const info = await lstat(path.join(stateDir, name));
      if (!info.isDirectory() || (await readdir(path.join(stateDir, name))).length > 0) found.push(name);
    } catch {
      // absent: nothing to replace
    }
  }
  return found;
}
