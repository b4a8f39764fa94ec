import { Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgeError, decryptAge, parseIdentities, readIdentities } from '../../../src/secrets/age.js';
import { ageFormat } from '../../../src/util/age-format.js';

const PLAIN = 'planted age value\nwith two lines\n';
let identity: string;
let recipient: string;
let binary: Uint8Array;
let armored: string;
let dir: string;

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  const e = new Encrypter();
  e.addRecipient(recipient);
  binary = await e.encrypt(PLAIN);
  armored = armor.encode(binary);
  dir = await mkdtemp(path.join(tmpdir(), 'spin-age-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('age files', () => {
  it('recognises binary and armored age files, and nothing else', () => {
    expect(ageFormat(binary)).toBe('binary');
    expect(ageFormat(Buffer.from(armored))).toBe('armored');
    expect(ageFormat(Buffer.from(`\n  ${armored}`))).toBe('armored');
    expect(ageFormat(Buffer.from(PLAIN))).toBeUndefined();
    expect(ageFormat(Buffer.from(''))).toBeUndefined();
  });

  it('decrypts both forms with the operator identity file (comments allowed)', async () => {
    const file = path.join(dir, 'identity.txt');
    await writeFile(file, `# created: today\n# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
    const keys = await readIdentities(file);
    expect(keys.recipients).toEqual([recipient]);
    expect(text(await decryptAge(binary, keys))).toBe(PLAIN);
    expect(text(await decryptAge(Buffer.from(armored), keys))).toBe(PLAIN);
  });

  it('says which recipient to encrypt to when no identity matches', async () => {
    const other = await generateX25519Identity();
    const keys = await parseIdentities(other);
    const error = await decryptAge(binary, keys).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgeError);
    expect((error as AgeError).reason).toBe('no-match');
    expect((error as AgeError).message).toBe(
      `no identity matches (encrypt it to this daemon's recipient ${await identityToRecipient(other)})`,
    );
  });

  it('refuses plaintext, damaged files and a missing identity, never echoing content', async () => {
    const keys = await parseIdentities(identity);
    await expect(decryptAge(Buffer.from(PLAIN), keys)).rejects.toMatchObject({ reason: 'not-age' });
    await expect(decryptAge(binary, undefined)).rejects.toMatchObject({
      reason: 'no-identity',
      message: expect.stringContaining('secrets.ageIdentityFile'),
    });
    const damaged = Uint8Array.from(binary);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 1;
    const error = await decryptAge(damaged, keys).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'malformed' });
    expect(String(error)).not.toContain('planted');
  });

  it('refuses identity files that hold no identity or a bad line, without echoing the line', async () => {
    await expect(parseIdentities('# only a comment\n', 'id.txt')).rejects.toThrow(
      'id.txt holds no age identity',
    );
    const error = await parseIdentities(`${identity}\nAGE-SECRET-KEY-1NOTREALLYAKEY\n`, 'id.txt').catch(
      (e: unknown) => e,
    );
    expect(String(error)).toContain('id.txt:2: the age identity is malformed');
    const leaked = await parseIdentities('my-password-here\n', 'id.txt').catch((e: unknown) => e);
    expect(String(leaked)).toContain('id.txt:1: not an age identity');
    expect(String(leaked)).not.toContain('my-password-here');
    await expect(readIdentities(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
