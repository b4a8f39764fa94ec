import { readFile, utimes, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefLock } from '../../../src/forge/ref-lock.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('ref-lock');
});
afterAll(async () => {
  await removeTempDir(tmp);
});

const REF = 'refs/notes/spin';

describe('RefLock', () => {
  it('serialises read-modify-write cycles so no increment is lost', async () => {
    const gitdir = path.join(tmp, 'counter');
    const refFile = path.join(gitdir, 'refs', 'notes', 'spin');
    await mkdir(path.dirname(refFile), { recursive: true });
    await writeFile(refFile, '0\n');
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const lock = await RefLock.acquire(gitdir, REF);
        try {
          const n = Number((await readFile(refFile, 'utf8')).trim());
          await new Promise((r) => setTimeout(r, 1));
          await lock.commit(String(n + 1));
        } finally {
          await lock.release();
        }
      }),
    );
    expect((await readFile(refFile, 'utf8')).trim()).toBe('20');
    expect(existsSync(`${refFile}.lock`)).toBe(false);
  });

  it('gives up on a live lock after waiting and removes a stale one', async () => {
    const gitdir = path.join(tmp, 'held');
    const held = await RefLock.acquire(gitdir, REF);
    await expect(RefLock.acquire(gitdir, REF, { waitMs: 100 })).rejects.toThrow(/held by another writer/);
    const lockFile = path.join(gitdir, 'refs', 'notes', 'spin.lock');
    const old = new Date(Date.now() - 120_000);
    await utimes(lockFile, old, old);
    const next = await RefLock.acquire(gitdir, REF, { waitMs: 100 });
    await next.release();
    await held.release();
  });
});
