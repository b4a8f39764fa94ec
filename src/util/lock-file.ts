import { open, stat, unlink } from 'node:fs/promises';

export interface LockFileOptions {
  /** How long to wait for another holder (default 10 s). */
  waitMs?: number;
  /** A lock older than this was left by a crashed command (a change takes milliseconds; default 30 s). */
  staleMs?: number;
  /** The error thrown when the wait runs out (it names what is locked, in the caller's words). */
  onTimeout(): Error;
}

/**
 * Takes an exclusive lock by creating `file` (O_EXCL), waiting while another process holds it
 * and breaking a stale one. Returns the release function. For short read-modify-write sections on
 * files several commands may change at once (the secret store, the token store).
 */
export async function acquireLockFile(file: string, options: LockFileOptions): Promise<() => Promise<void>> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(file).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) await unlink(file).catch(() => undefined);
      else if (Date.now() > deadline) throw options.onTimeout();
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
