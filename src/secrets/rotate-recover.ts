import { open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * The on-disk states of a key rotation (src/secrets/rotate-key.ts) and how to leave each of them.
 * The rotation builds the whole next store, key included, in `secrets.new/`, then switches with
 * two renames: `secrets/` -> `secrets.old/`, `secrets.new/` -> `secrets/`. The renames themselves
 * are the journal:
 *
 * - `secrets/` and `secrets.new/`: the switch never began; `secrets.new/` may be half written.
 *   Roll back: drop `secrets.new/`.
 * - `secrets.old/` and `secrets.new/`, no `secrets/`: crashed between the renames; `secrets.new/`
 *   is complete (it is only ever renamed once fsynced). Roll forward: rename it into place.
 * - `secrets/` and `secrets.old/`: the switch is done. Drop `secrets.old/`.
 * - only `secrets.old/`: cannot arise from a rotation, but it is the old store: rename it back.
 *
 * Kept free of store.ts imports so store.ts can call it before every key load.
 */

export const ROTATE_LOCK = 'secrets.rotate.lock';

export interface RotationPaths {
  current: string;
  next: string;
  old: string;
  lock: string;
}

export function rotationPaths(stateDir: string): RotationPaths {
  return {
    current: path.join(stateDir, 'secrets'),
    next: path.join(stateDir, 'secrets.new'),
    old: path.join(stateDir, 'secrets.old'),
    lock: path.join(stateDir, ROTATE_LOCK),
  };
}

/**
 * Finishes or undoes a rotation left half done by a crash. 'busy' when a live process holds the
 * rotation lock (its rotation is still running); 'ok' otherwise.
 */
export async function recoverRotation(stateDir: string): Promise<'ok' | 'busy'> {
  const paths = rotationPaths(stateDir);
  if (!(await exists(paths.next)) && !(await exists(paths.old))) return 'ok';
  const release = await takeRotationLock(paths.lock);
  if (!release) return 'busy';
  try {
    await settle(paths);
    return 'ok';
  } finally {
    await release();
  }
}

/** The state machine above; the caller holds the rotation lock. */
export async function settle(paths: RotationPaths): Promise<void> {
  const current = await exists(paths.current);
  const next = await exists(paths.next);
  const old = await exists(paths.old);
  if (current) {
    if (next) await rm(paths.next, { recursive: true, force: true });
    if (old) await rm(paths.old, { recursive: true, force: true });
    return;
  }
  if (next && old) {
    await rename(paths.next, paths.current);
    await rm(paths.old, { recursive: true, force: true });
    return;
  }
  if (old) await rename(paths.old, paths.current);
  // Only `secrets.new/` without an old store: nothing was ever switched away; drop it.
  else if (next) await rm(paths.next, { recursive: true, force: true });
}

/**
 * The rotation lock holds its owner's pid, so a lock left by a crashed rotation is taken over at
 * once, however long a live rotation takes. Undefined when a live process holds it.
 */
export async function takeRotationLock(file: string): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return undefined;
      await unlink(file).catch(() => undefined);
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
