import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { rotationPaths, settle, takeRotationLock } from './rotate-recover.js';
import { KEY_BYTES, MASTER_KEY_FILE, SecretStore, SecretStoreError } from './store.js';

/**
 * `spin secret rotate-key`: re-encrypts every value under a fresh key, so that a crash at any
 * point leaves either the old store with the old key or the new store with the new key (the
 * states and how the next key load settles them: rotate-recover.ts).
 *
 * 1. `secrets.new/` gets the new `master.key` and every `<project>.json` re-sealed, each file
 *    and the folder fsynced;
 * 2. rename `secrets/` -> `secrets.old/`, fsync stateDir;
 * 3. rename `secrets.new/` -> `secrets/`, fsync stateDir;
 * 4. remove `secrets.old/` (the old key goes with it).
 *
 * Only a key kept in the stateDir (`secrets/master.key`) is rotated: it moves with the store in
 * one rename. A key from `secrets.keyFile` or an environment variable is the operator's to
 * replace; the caller refuses those (docs/operations.md says how to rotate them by hand).
 */

/** Where a rotation stops, for tests that simulate a crash after each step. */
export type RotationStep = 'key-written' | 'project-written' | 'next-synced' | 'old-moved' | 'next-moved';

export interface RotateOptions {
  /** Called after each step; a throw here stands for a crash at that point. */
  afterStep?: (step: RotationStep) => void | Promise<void>;
}

export interface RotateResult {
  projects: number;
  secrets: number;
}

export async function rotateStoreKey(
  stateDir: string,
  oldKey: Buffer,
  options: RotateOptions = {},
): Promise<RotateResult> {
  const paths = rotationPaths(stateDir);
  const step = async (name: RotationStep) => options.afterStep?.(name);
  const release = await takeRotationLock(paths.lock);
  if (!release) throw new SecretStoreError('another key rotation is running', 'io');
  try {
    // Leftovers of an earlier crash first, so `secrets.new/` starts empty.
    await settle(paths);
    const oldStore = new SecretStore(stateDir, oldKey);
    const projects = await storeProjects(paths.current);
    // Every value must decrypt with the current key before anything is written: a wrong key or
    // a tampered file stops the rotation with the old store untouched.
    const values = new Map<string, { name: string; value: Buffer; updatedAt: string }[]>();
    for (const project of projects) {
      const entries = await oldStore.list(project);
      const list = [];
      for (const entry of entries) {
        const value = await oldStore.get(project, entry.name);
        if (value) list.push({ name: entry.name, value, updatedAt: entry.updatedAt });
      }
      values.set(project, list);
    }

    await mkdir(paths.next, { mode: 0o700 });
    await chmod(paths.next, 0o700);
    const newKey = randomBytes(KEY_BYTES);
    await writeSynced(path.join(paths.next, MASTER_KEY_FILE), `${newKey.toString('base64')}\n`);
    await step('key-written');
    const newStore = new SecretStore(stateDir, newKey, paths.next);
    let count = 0;
    for (const [project, list] of values) {
      for (const { name, value, updatedAt } of list) {
        await newStore.set(project, name, value, updatedAt);
        value.fill(0);
        count++;
      }
      await fsyncPath(newStore.fileOf(project));
      await step('project-written');
    }
    await fsyncPath(paths.next);
    await step('next-synced');

    await rename(paths.current, paths.old);
    await fsyncPath(stateDir);
    await step('old-moved');
    await rename(paths.next, paths.current);
    await fsyncPath(stateDir);
    await step('next-moved');
    await rm(paths.old, { recursive: true, force: true });
    newKey.fill(0);
    return { projects: projects.length, secrets: count };
  } finally {
    await release();
  }
}

async function storeProjects(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .filter((p) => /^[a-z0-9][a-z0-9-]*$/.test(p))
    .sort();
}

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a file or a folder (a folder's fsync makes the renames in it durable). */
async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
