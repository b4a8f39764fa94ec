import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverRotation, rotationPaths } from '../../../src/secrets/rotate-recover.js';
import { rotateStoreKey, type RotationStep } from '../../../src/secrets/rotate-key.js';
import { loadStoreKey, SecretStore, storeDir } from '../../../src/secrets/store.js';

let stateDir: string;

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'spin-rotate-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const VALUES: Record<string, Record<string, Buffer>> = {
  alpha: { db: Buffer.from('alpha-db-value'), token: Buffer.from('alpha-token') },
  beta: { key: randomBytes(64) },
};

async function seed(): Promise<{ key: Buffer; updatedAt: string }> {
  const { key } = await loadStoreKey({ stateDir, env: {} });
  const store = new SecretStore(stateDir, key);
  for (const [project, secrets] of Object.entries(VALUES)) {
    for (const [name, value] of Object.entries(secrets)) await store.set(project, name, value);
  }
  return { key, updatedAt: (await store.list('alpha'))[0]!.updatedAt };
}

/** Every value decrypts with whatever key is current after recovery, as the daemon would load it. */
async function expectAllReadable(): Promise<Buffer> {
  const { key, created } = await loadStoreKey({ stateDir, env: {} }, false);
  expect(created).toBe(false);
  const store = new SecretStore(stateDir, key);
  for (const [project, secrets] of Object.entries(VALUES)) {
    expect((await store.list(project)).map((e) => e.name)).toEqual(Object.keys(secrets).sort());
    for (const [name, value] of Object.entries(secrets))
      expect(await store.get(project, name)).toEqual(value);
  }
  return key;
}

const STEPS: { step: RotationStep; outcome: 'old' | 'new' }[] = [
  { step: 'key-written', outcome: 'old' },
  { step: 'project-written', outcome: 'old' },
  { step: 'next-synced', outcome: 'old' },
  { step: 'old-moved', outcome: 'new' },
  { step: 'next-moved', outcome: 'new' },
];

describe('rotateStoreKey', () => {
  it('re-encrypts every value under a new key; the old key opens nothing, update times are kept', async () => {
    const { key: oldKey, updatedAt } = await seed();
    const result = await rotateStoreKey(stateDir, oldKey);
    expect(result).toEqual({ projects: 2, secrets: 3 });
    const newKey = await expectAllReadable();
    expect(newKey.equals(oldKey)).toBe(false);
    await expect(new SecretStore(stateDir, oldKey).get('alpha', 'db')).rejects.toThrow(/cannot be decrypted/);
    expect((await new SecretStore(stateDir).list('alpha'))[0]!.updatedAt).toBe(updatedAt);
    expect((await stat(path.join(storeDir(stateDir), 'master.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(storeDir(stateDir))).mode & 0o777).toBe(0o700);
    expect((await readdir(stateDir)).sort()).toEqual(['secrets']);
  });

  it('refuses a wrong key before writing anything', async () => {
    await seed();
    await expect(rotateStoreKey(stateDir, randomBytes(32))).rejects.toThrow(/cannot be decrypted/);
    expect((await readdir(stateDir)).sort()).toEqual(['secrets']);
    await expectAllReadable();
  });

  for (const { step, outcome } of STEPS) {
    it(`a crash after ${step} leaves the ${outcome} store and key usable`, async () => {
      const { key: oldKey } = await seed();
      const crash = new Error(`simulated crash after ${step}`);
      await expect(
        rotateStoreKey(stateDir, oldKey, {
          afterStep: (s) => {
            if (s === step) throw crash;
          },
        }),
      ).rejects.toBe(crash);
      // The next key load (daemon pass or CLI) settles the half-done rotation first.
      const key = await expectAllReadable();
      expect(key.equals(oldKey)).toBe(outcome === 'old');
      expect((await readdir(stateDir)).sort()).toEqual(['secrets']);
      // And a later rotation still works from there.
      await rotateStoreKey(stateDir, key);
      expect((await expectAllReadable()).equals(key)).toBe(false);
    });
  }

  it('waits for a rotation held by a live process, and takes over a lock left by a dead one', async () => {
    await seed();
    const paths = rotationPaths(stateDir);
    await writeFile(path.join(stateDir, 'secrets.new'), '');
    await writeFile(paths.lock, `${process.pid}\n`);
    expect(await recoverRotation(stateDir)).toBe('busy');
    await expect(loadStoreKey({ stateDir, env: {} }, false)).rejects.toThrow(/rotation .* is running/);
    await writeFile(paths.lock, '2147483646\n');
    expect(await recoverRotation(stateDir)).toBe('ok');
    await expect(readFile(paths.lock)).rejects.toThrow();
    await expectAllReadable();
  });
});
