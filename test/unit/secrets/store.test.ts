import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadStoreKey,
  SecretStore,
  SecretStoreError,
  storeDir,
  type StoreFile,
} from '../../../src/secrets/store.js';

let stateDir: string;
const key = randomBytes(32);
const VALUE = Buffer.from(`planted-${randomBytes(8).toString('hex')}`);

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'spin-store-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
const storeFile = (project = 'gw') => path.join(storeDir(stateDir), `${project}.json`);
const readStore = async (project = 'gw') =>
  JSON.parse(await readFile(storeFile(project), 'utf8')) as StoreFile;
const writeStore = (file: StoreFile, project = 'gw') => writeFile(storeFile(project), JSON.stringify(file));

describe('SecretStore', () => {
  it('round-trips values and lists names and update times, never values', async () => {
    const store = new SecretStore(stateDir, key);
    const before = Date.now();
    const entry = await store.set('gw', 'db', VALUE);
    await store.set('gw', 'api-token', Buffer.from('second'));
    expect(entry.name).toBe('db');
    expect(Date.parse(entry.updatedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await store.get('gw', 'db')).toEqual(VALUE);
    expect(await store.get('gw', 'nope')).toBeUndefined();
    expect(await store.get('other', 'db')).toBeUndefined();
    // Listing needs no key.
    const listing = await new SecretStore(stateDir).list('gw');
    expect(listing.map((e) => e.name)).toEqual(['api-token', 'db']);
    expect(JSON.stringify(listing)).not.toContain(VALUE.toString());
  });

  it('keeps files readable by the daemon only, and only ciphertext in them', async () => {
    const store = new SecretStore(stateDir, key);
    await store.set('gw', 'db', VALUE);
    expect(await mode(storeDir(stateDir))).toBe(0o700);
    expect(await mode(storeFile())).toBe(0o600);
    const text = await readFile(storeFile(), 'utf8');
    expect(text).not.toContain(VALUE.toString());
    expect(text).not.toContain(VALUE.toString('base64'));
    const file = await readStore();
    expect(file.version).toBe(1);
    expect(Object.keys(file.secrets.db ?? {}).sort()).toEqual([
      'ciphertext',
      'digest',
      'nonce',
      'tag',
      'updatedAt',
    ]);
    // No temporary or lock files are left behind.
    expect((await readdir(storeDir(stateDir))).sort()).toEqual(['gw.json']);
  });

  it('digests are keyed HMACs over project/name/value, distinct per project and name', async () => {
    const store = new SecretStore(stateDir, key);
    const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'spin secret store: digest v1', 32));
    const expected = createHmac('sha256', macKey).update('gw/db/').update(VALUE).digest('hex');
    expect(store.digest('gw', 'db', VALUE)).toBe(expected);
    expect(store.digest('gw', 'db2', VALUE)).not.toBe(expected);
    expect(store.digest('gx', 'db', VALUE)).not.toBe(expected);
    expect(new SecretStore(stateDir, randomBytes(32)).digest('gw', 'db', VALUE)).not.toBe(expected);
    await store.set('gw', 'db', VALUE);
    expect((await readStore()).secrets.db?.digest).toBe(expected);
  });

  it('detects a changed ciphertext, tag or digest, and a value moved to another name', async () => {
    const store = new SecretStore(stateDir, key);
    await store.set('gw', 'db', VALUE);
    await store.set('gw', 'other', Buffer.from('x'));
    const pristine = await readStore();
    const tampered = async (change: (f: StoreFile) => void, name = 'db') => {
      const copy = structuredClone(pristine);
      change(copy);
      await writeStore(copy);
      return store.get('gw', name);
    };
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64');
    };
    await expect(
      tampered((f) => void (f.secrets.db!.ciphertext = flip(f.secrets.db!.ciphertext))),
    ).rejects.toThrow(/cannot be decrypted: the store file was changed/);
    await expect(tampered((f) => void (f.secrets.db!.tag = flip(f.secrets.db!.tag)))).rejects.toThrow(
      SecretStoreError,
    );
    await expect(tampered((f) => void (f.secrets.db!.digest = '00'.repeat(32)))).rejects.toThrow(
      /does not match its digest/,
    );
    await expect(tampered((f) => void (f.secrets.other = f.secrets.db!), 'other')).rejects.toThrow(
      /cannot be decrypted/,
    );
    // The same file under another project's name does not decrypt either.
    await writeStore(pristine, 'gx');
    await expect(store.get('gx', 'db')).rejects.toThrow(/cannot be decrypted/);
    await expect(tampered((f) => void (f.version = 2))).rejects.toThrow(/not a version 1 secret store file/);
  });

  it('refuses to decrypt with a wrong key, without saying anything about the value', async () => {
    await new SecretStore(stateDir, key).set('gw', 'db', VALUE);
    const error = await new SecretStore(stateDir, randomBytes(32)).get('gw', 'db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreError);
    expect(String(error)).toMatch(/the key is not the one it was written with/);
    expect(String(error)).not.toContain(VALUE.toString());
  });

  it('removes secrets, refuses bad names and empty values', async () => {
    const store = new SecretStore(stateDir, key);
    await store.set('gw', 'db', VALUE);
    expect(await store.remove('gw', 'db')).toBe(true);
    expect(await store.remove('gw', 'db')).toBe(false);
    expect(await store.list('gw')).toEqual([]);
    await expect(store.set('gw', '../x', VALUE)).rejects.toThrow(/invalid secret name/);
    await expect(store.set('gw', 'db', Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(store.set('../gw', 'db', VALUE)).rejects.toThrow(/invalid project name/);
    // A name that is special to JavaScript objects is just a name.
    await store.set('gw', '__proto__', VALUE);
    expect(await store.get('gw', '__proto__')).toEqual(VALUE);
    expect((await store.list('gw')).map((e) => e.name)).toEqual(['__proto__']);
  });

  it('survives concurrent writers without losing an update', async () => {
    const store = new SecretStore(stateDir, key);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.set('gw', `s${i}`, Buffer.from(String(i)))));
    expect((await store.list('gw')).length).toBe(8);
  });
});

describe('loadStoreKey', () => {
  it('creates <stateDir>/secrets/master.key (0600) on first use, then reuses it', async () => {
    const first = await loadStoreKey({ stateDir, env: {} });
    expect(first.created).toBe(true);
    expect(first.origin).toBe(path.join(stateDir, 'secrets', 'master.key'));
    expect(await mode(first.origin)).toBe(0o600);
    expect(await mode(path.dirname(first.origin))).toBe(0o700);
    const again = await loadStoreKey({ stateDir, env: {} });
    expect(again.created).toBe(false);
    expect(again.key.equals(first.key)).toBe(true);
    await expect(loadStoreKey({ stateDir: `${stateDir}/elsewhere`, env: {} }, false)).rejects.toThrow(
      /no secret key/,
    );
  });

  it('prefers keyFile, then the environment variable', async () => {
    const file = path.join(stateDir, 'key');
    await writeFile(file, `${key.toString('base64')}\n`);
    const fromFile = await loadStoreKey({ stateDir, keyFile: file, env: { SPIN_SECRET_KEY: 'ignored' } });
    expect(fromFile.key.equals(key)).toBe(true);
    const other = randomBytes(32);
    const fromEnv = await loadStoreKey({ stateDir, env: { SPIN_SECRET_KEY: other.toString('base64') } });
    expect(fromEnv).toMatchObject({ origin: '$SPIN_SECRET_KEY', created: false });
    expect(fromEnv.key.equals(other)).toBe(true);
    const named = await loadStoreKey({
      stateDir,
      keyEnv: 'MY_KEY',
      env: { MY_KEY: other.toString('base64') },
    });
    expect(named.key.equals(other)).toBe(true);
    await writeFile(file, key);
    expect((await loadStoreKey({ stateDir, keyFile: file })).key.equals(key)).toBe(true);
  });

  it('refuses a short key, a missing key file and an explicit variable that is not set', async () => {
    await expect(loadStoreKey({ stateDir, env: { SPIN_SECRET_KEY: 'c2hvcnQ=' } })).rejects.toThrow(
      /must hold a 32-byte key in base64/,
    );
    await expect(loadStoreKey({ stateDir, keyFile: path.join(stateDir, 'missing') })).rejects.toThrow(
      /cannot read the secret key file .*ENOENT/,
    );
    await expect(loadStoreKey({ stateDir, keyEnv: 'MY_KEY', keyEnvExplicit: true, env: {} })).rejects.toThrow(
      /MY_KEY \(secrets.keyEnv\) is not set/,
    );
  });
});
