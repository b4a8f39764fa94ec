import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface RefLockOptions {
  /** How long to wait for another writer's lock before giving up. */
  waitMs?: number;
  /**
   * A lock older than this is left over from a crashed writer and is removed. Writers hold the
   * lock for milliseconds, so a minute is far beyond any live holder.
   */
  staleMs?: number;
}

/**
 * Git's own ref lock: `<gitdir>/<ref>.lock` created exclusively, the new value written into it
 * and renamed over the ref. `git notes`, `git update-ref` and other Spin daemons take the same
 * lock, so a read-modify-write of the ref while holding it cannot lose a concurrent update.
 */
export class RefLock {
  private constructor(
    private readonly lockPath: string,
    private readonly refPath: string,
    private done = false,
  ) {}

  static async acquire(gitdir: string, ref: string, options: RefLockOptions = {}): Promise<RefLock> {
    const refPath = path.join(gitdir, ...ref.split('/'));
    const lockPath = `${refPath}.lock`;
    const waitMs = options.waitMs ?? 10_000;
    const staleMs = options.staleMs ?? 60_000;
    await mkdir(path.dirname(refPath), { recursive: true });
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lockPath, 'wx');
        await handle.close();
        return new RefLock(lockPath, refPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new Error(`${lockPath} is held by another writer (waited ${waitMs} ms)`);
      }
      // Short randomised waits: holders release within milliseconds.
      await new Promise((r) =>
        setTimeout(r, Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())),
      );
    }
  }

  /** Points the ref at `oid` atomically (write the lock file, rename it over the ref). */
  async commit(oid: string): Promise<void> {
    const handle = await open(this.lockPath, 'w');
    try {
      await handle.writeFile(`${oid}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.lockPath, this.refPath);
    this.done = true;
  }

  /** Drops the lock without changing the ref; a no-op after commit. */
  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await unlink(this.lockPath).catch(() => undefined);
  }
}
