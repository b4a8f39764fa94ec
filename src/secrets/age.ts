import { readFile } from 'node:fs/promises';
import { ageFormat } from '../util/age-format.js';

/**
 * age files committed to a repository, decrypted in memory with the operator's identities
 * (`secrets.ageIdentityFile`: the `age-keygen` format, one AGE-SECRET-KEY-1... per line, `#`
 * comments). The plaintext is returned to the caller only; nothing here writes it anywhere, and
 * no message repeats an identity or a plaintext.
 */

/** Loaded on first use: most commands (and stacks) never need it. */
const age = () => import('age-encryption');

export class AgeError extends Error {
  constructor(
    readonly reason: 'no-identity' | 'no-match' | 'not-age' | 'malformed' | 'identity-file',
    message: string,
  ) {
    super(message);
    this.name = 'AgeError';
  }
}

export interface AgeIdentities {
  identities: string[];
  /** The matching public recipients (age1...), safe to show: encrypt to these. */
  recipients: string[];
}

/** Reads an identity file. Lines are checked without ever echoing them. */
export async function readIdentities(file: string): Promise<AgeIdentities> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AgeError(
      'identity-file',
      `cannot read the age identity file ${file} (secrets.ageIdentityFile): ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  return parseIdentities(text, file);
}

export async function parseIdentities(text: string, file = 'the age identity file'): Promise<AgeIdentities> {
  const { identityToRecipient } = await age();
  const identities: string[] = [];
  const recipients: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) {
      throw new AgeError(
        'identity-file',
        `${file}:${index + 1}: not an age identity (expected AGE-SECRET-KEY-1..., as age-keygen writes)`,
      );
    }
    try {
      recipients.push(await identityToRecipient(line));
    } catch {
      throw new AgeError('identity-file', `${file}:${index + 1}: the age identity is malformed`);
    }
    identities.push(line);
  }
  if (identities.length === 0) throw new AgeError('identity-file', `${file} holds no age identity`);
  return { identities, recipients };
}

/** Decrypts a binary or armored age file. Throws AgeError; never returns partial plaintext. */
export async function decryptAge(bytes: Uint8Array, keys: AgeIdentities | undefined): Promise<Uint8Array> {
  const format = ageFormat(bytes);
  if (format === undefined) throw new AgeError('not-age', 'it is not an age-encrypted file');
  if (!keys || keys.identities.length === 0) {
    throw new AgeError(
      'no-identity',
      'no age identity is configured (set secrets.ageIdentityFile in the daemon config)',
    );
  }
  const { Decrypter, armor } = await age();
  let binary: Uint8Array;
  try {
    binary = format === 'armored' ? armor.decode(Buffer.from(bytes).toString('utf8')) : bytes;
  } catch {
    throw new AgeError('malformed', 'the age armor is malformed');
  }
  const decrypter = new Decrypter();
  for (const identity of keys.identities) decrypter.addIdentity(identity);
  try {
    return await decrypter.decrypt(binary, 'uint8array');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/no identity matched/i.test(message)) {
      throw new AgeError(
        'no-match',
        `no identity matches (encrypt it to this daemon's recipient${keys.recipients.length > 1 ? 's' : ''} ${keys.recipients.join(', ')})`,
      );
    }
    throw new AgeError('malformed', 'the age file is damaged or was tampered with');
  }
}
