import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveredStore } from '../../../src/forge/delivered-store.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('delivered');
});
afterAll(async () => {
  await removeTempDir(tmp);
});

const sha = (i: number) => i.toString(16).padStart(40, '0');

describe('DeliveredStore', () => {
  it('persists what was delivered across instances', async () => {
    const file = path.join(tmp, 'a', 'statuses', 'p.json');
    const hash = DeliveredStore.hash('github', { state: 'success', description: 'ok' });
    await new DeliveredStore(file).set(sha(1), 'spin/p', hash);
    expect(await new DeliveredStore(file).get(sha(1), 'spin/p')).toBe(hash);
    expect(await new DeliveredStore(file).get(sha(1), 'spin/p/validate')).toBeUndefined();
  });

  it('hashes provider, state and description', () => {
    const a = DeliveredStore.hash('github', { state: 'success', description: 'ok' });
    expect(DeliveredStore.hash('github', { state: 'success', description: 'ok' })).toBe(a);
    expect(DeliveredStore.hash('gitlab', { state: 'success', description: 'ok' })).not.toBe(a);
    expect(DeliveredStore.hash('github', { state: 'failure', description: 'ok' })).not.toBe(a);
    expect(DeliveredStore.hash('github', { state: 'success', description: 'ok.' })).not.toBe(a);
  });

  it('forgets the least recently written commits beyond its bound', async () => {
    const file = path.join(tmp, 'b.json');
    const store = new DeliveredStore(file, 3);
    for (let i = 1; i <= 4; i++) await store.set(sha(i), 'spin/p', 'h');
    await store.set(sha(2), 'spin/p', 'h2'); // touching 2 makes 3 the oldest
    await store.set(sha(5), 'spin/p', 'h');
    const reread = new DeliveredStore(file, 3);
    expect(await reread.get(sha(1), 'spin/p')).toBeUndefined();
    expect(await reread.get(sha(3), 'spin/p')).toBeUndefined();
    expect(await reread.get(sha(2), 'spin/p')).toBe('h2');
    expect(Object.keys((JSON.parse(await readFile(file, 'utf8')) as { commits: object }).commits)).toEqual([
      sha(4),
      sha(2),
      sha(5),
    ]);
  });

  it('starts empty from a missing or corrupt file', async () => {
    const file = path.join(tmp, 'corrupt.json');
    await writeFile(file, '{oops');
    expect(await new DeliveredStore(file).get(sha(1), 'spin/p')).toBeUndefined();
    expect(await new DeliveredStore(path.join(tmp, 'none.json')).get(sha(1), 'x')).toBeUndefined();
  });
});
