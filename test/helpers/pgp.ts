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

export async function makeKey(name: string): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'curve25519',
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
