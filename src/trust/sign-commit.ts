import type * as OpenPGP from 'openpgp';
import { errorMessage } from '../util/errors.js';
import { hexId, loadOpenpgp, parseTrustKeys } from './keys.js';

/** A private key ready to sign Spin's own commits, with what identifies it in messages. */
export interface CommitSigningKey {
  key: OpenPGP.PrivateKey;
  keyId: string;
  fingerprint: string;
}

/** Why a signing key cannot be used; the message names the setting, never the key or passphrase. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/**
 * Reads an armored OpenPGP private key and unlocks it with `passphrase` when it is protected.
 * Throws a SigningKeyError saying what to fix: not a private key, a passphrase needed, a
 * passphrase that does not unlock it. Library messages are kept only when they cannot carry a
 * secret (they never quote the passphrase; the armored text is not echoed).
 */
export async function readSigningKey(armored: string, passphrase?: string): Promise<CommitSigningKey> {
  const openpgp = await loadOpenpgp();
  let key: OpenPGP.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (err) {
    throw new SigningKeyError(`not an armored OpenPGP private key (${firstLine(errorMessage(err))})`);
  }
  if (!key.isDecrypted()) {
    if (passphrase === undefined)
      throw new SigningKeyError(
        'the key is protected by a passphrase, and none is configured: set commitSigning.passphraseFile or passphraseSecret',
      );
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch {
      throw new SigningKeyError('the passphrase does not unlock the key');
    }
  }
  try {
    await key.getSigningKey();
  } catch (err) {
    throw new SigningKeyError(`the key cannot sign (${firstLine(errorMessage(err))})`);
  }
  return { key, keyId: hexId(key.getKeyID()), fingerprint: hexId(key.getFingerprint()) };
}

/**
 * A detached, armored OpenPGP signature over `payload` as git makes one for `gpgsig`: binary
 * (over the exact bytes of the commit object without its gpgsig header), so `git verify-commit`
 * and Spin's own check (verify-commit.ts) both accept it.
 */
export async function signCommitPayload(payload: string, signer: CommitSigningKey): Promise<string> {
  const openpgp = await loadOpenpgp();
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') }),
    signingKeys: signer.key,
    detached: true,
    format: 'armored',
  });
  return signature;
}

/** True when `signer`'s key is one of the armored public keys (a project's trust.keys). */
export async function isTrustedSigner(
  signer: CommitSigningKey,
  trustKeys: readonly string[],
): Promise<boolean> {
  const keys = await parseTrustKeys(trustKeys).catch(() => []);
  return keys.some((k) => hexId(k.getFingerprint()) === signer.fingerprint);
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.slice(0, 120) ?? '';
}
