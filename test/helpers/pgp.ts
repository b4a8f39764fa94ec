import * as openpgp from 'openpgp';
import { hexId } from '../../src/trust/keys.js';

/** A real OpenPGP key made for a test (curve25519: fast to generate). */
export interface TestKey {
  privateKey: openpgp.PrivateKey;
  armoredPublic: string;
  armoredPrivate: string;
  keyId: string;
  fingerprint: string;
}

/**
 * `gpg: true` makes an EdDSA key in the older encoding (algorithm 22) that gpg 2.2 reads; the
 * default, RFC 9580's Ed25519 (algorithm 27), is one gpg before 2.5 cannot verify.
 */
export async function makeKey(name: string, options: { gpg?: boolean } = {}): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    ...(options.gpg
      ? { type: 'ecc' as const, curve: 'ed25519Legacy' as const }
      : { type: 'curve25519' as const }),
    userIDs: [{ name, email: `${name.toLowerCase()}@example.org` }],
    format: 'armored',
  });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  return {
    privateKey: key,
    armoredPublic: publicKey,
    armoredPrivate: privateKey,
    keyId: hexId(key.getKeyID()),
    fingerprint: hexId(key.getFingerprint()),
  };
}
