import fs from 'node:fs';
import git from 'isomorphic-git';
import * as openpgp from 'openpgp';
import { hexId } from '../../src/trust/keys.js';
import type { WorkingCopy } from './git-server.js';

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

/**
 * Writes `files` into the working copy, commits the staged tree with isomorphic-git, signed by
 * `key` (detached OpenPGP signature, onSign), and pushes `main`; returns the commit.
 */
export async function pushSigned(
  repo: WorkingCopy,
  key: TestKey,
  files: Record<string, string>,
  message: string,
): Promise<string> {
  await repo.writeFiles(files);
  await repo.git(['add', '-A']);
  const tree = (await repo.git(['write-tree'])).trim();
  const parent = await repo.head().then(
    (sha) => [sha],
    () => [],
  );
  const who = { name: 'Maintainer', email: 'maintainer@example.org' };
  const oid = await git.commit({
    fs,
    dir: repo.dir,
    message: `${message}\n`,
    author: who,
    committer: who,
    tree,
    parent,
    signingKey: key.armoredPrivate,
    onSign: async ({ payload }) => ({
      signature: (await openpgp.sign({
        message: await openpgp.createMessage({ text: payload }),
        signingKeys: key.privateKey,
        detached: true,
      })) as string,
    }),
  });
  await repo.push();
  return oid;
}
