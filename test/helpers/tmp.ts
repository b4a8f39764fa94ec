import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const created = new Set<string>();

/**
 * A fresh directory under os.tmpdir() named `spin-<prefix>-XXXXXX`. It is remembered for
 * cleanupTempDirs(); set SPIN_KEEP_TMP=1 to keep everything for debugging.
 */
export async function makeTempDir(prefix = 'test'): Promise<string> {
  const safe = prefix.replace(/[^A-Za-z0-9._-]+/g, '-');
  const dir = await mkdtemp(path.join(os.tmpdir(), `spin-${safe}-`));
  created.add(dir);
  return dir;
}

/** Removes one directory made by makeTempDir (or any path), ignoring a missing one. */
export async function removeTempDir(dir: string): Promise<void> {
  created.delete(dir);
  if (process.env.SPIN_KEEP_TMP === '1') return;
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Removes every directory this module created that is still around (use in afterAll). */
export async function cleanupTempDirs(): Promise<void> {
  await Promise.all([...created].map((dir) => removeTempDir(dir)));
}
