import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tokenStoreFile } from '../../access/token-store.js';
import { storeDir, MASTER_KEY_FILE } from '../../secrets/store.js';
import { backupHistoryDb } from '../../store/backup.js';
import { historyDbPath } from '../../store/history-store.js';
import {
  BACKUP_PATH,
  EXTERNAL_KEY_FILE,
  HISTORY_FILE,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  sha256,
  spinVersion,
  TOKENS_FILE,
  type BackupFile,
  type BackupManifest,
  type KeySource,
} from './manifest.js';

export interface BackupSources {
  stateDir: string;
  /** `secrets.keyFile` when the config sets one. */
  keyFile?: string;
  /** `secrets.keyEnv` (default SPIN_SECRET_KEY). */
  keyEnv: string;
}

/** Small JSON state besides the database: copied so a restored daemon starts with its statuses. */
const JSON_FOLDERS = ['status', 'statuses'] as const;

/**
 * Writes a backup of a stateDir's precious parts into `dir` (which must not exist): the history
 * database through SQLite's online backup (safe while the daemon runs), the secret store's files
 * and its key, the per-project API tokens, the status files, then `manifest.json`. Everything is assembled in a sibling
 * folder and renamed into place at the end, so `dir` is either a whole backup or absent.
 * Secret store files are replaced by rename when they change, so each copy is one whole version.
 */
export async function createBackup(
  sources: BackupSources,
  dir: string,
  now: () => Date = () => new Date(),
): Promise<BackupManifest> {
  const target = path.resolve(dir);
  if (await exists(target)) throw new Error(`${target} already exists; name a new folder for the backup`);
  const dbFile = historyDbPath(sources.stateDir);
  if (!(await exists(dbFile))) {
    throw new Error(`no history database at ${dbFile}: is stateDir right, and has the daemon run there?`);
  }
  await mkdir(path.dirname(target), { recursive: true });
  const staging = `${target}.partial-${process.pid}`;
  await mkdir(staging, { mode: 0o700 });
  try {
    const files: BackupFile[] = [];
    const add = async (rel: string, data: Buffer) => {
      if (!BACKUP_PATH.test(rel)) return; // a stray file (editor backup, temp file): not state
      await mkdir(path.dirname(path.join(staging, rel)), { recursive: true, mode: 0o700 });
      await writeFile(path.join(staging, rel), data, { mode: 0o600, flag: 'wx' });
      files.push({ path: rel, bytes: data.length, sha256: sha256(data) });
    };

    const schemaVersion = await backupHistoryDb(dbFile, path.join(staging, HISTORY_FILE));
    const db = await readFile(path.join(staging, HISTORY_FILE));
    files.push({ path: HISTORY_FILE, bytes: db.length, sha256: sha256(db) });

    const secrets = storeDir(sources.stateDir);
    for (const name of await listFiles(secrets))
      await add(`secrets/${name}`, await readFile(path.join(secrets, name)));
    for (const folder of JSON_FOLDERS) {
      const from = path.join(sources.stateDir, folder);
      for (const name of await listFiles(from))
        await add(`${folder}/${name}`, await readFile(path.join(from, name)));
    }

    // The per-project API tokens (hashes only, src/access/token-records.ts): replaced by rename
    // when they change, so the copy is one whole version.
    const tokens = await readFile(tokenStoreFile(sources.stateDir)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (tokens) await add(TOKENS_FILE, tokens);

    let key: KeySource;
    if (sources.keyFile !== undefined) {
      await add(EXTERNAL_KEY_FILE, await readFile(sources.keyFile));
      key = { kind: 'keyFile', path: sources.keyFile };
    } else if (files.some((f) => f.path === `secrets/${MASTER_KEY_FILE}`)) {
      key = { kind: 'stateDir' };
    } else if (files.some((f) => f.path.startsWith('secrets/'))) {
      key = { kind: 'env', variable: sources.keyEnv };
    } else {
      key = { kind: 'none' };
    }

    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      spinVersion: spinVersion(),
      schemaVersion,
      createdAt: now().toISOString(),
      stateDir: sources.stateDir,
      key,
      files: files.sort((a, b) => a.path.localeCompare(b.path)),
    };
    await writeFile(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', {
      mode: 0o600,
      flag: 'wx',
    });
    await rename(staging, target);
    return manifest;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Regular files directly in `dir`, sorted; none when it does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
