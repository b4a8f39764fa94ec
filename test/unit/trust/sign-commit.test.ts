import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import git from 'isomorphic-git';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitPayload, writeCommitObject } from '../../../src/git/commit-writer.js';
import { loadCommitSigningKey } from '../../../src/reconciler/commit-signer.js';
import {
  isTrustedSigner,
  readSigningKey,
  signCommitPayload,
  SigningKeyError,
} from '../../../src/trust/sign-commit.js';
import { verifyCommitSignature } from '../../../src/trust/verify-commit.js';
import { commitAll, runGit, writeFiles } from '../../helpers/git-server.js';
import { makeKey, type TestKey } from '../../helpers/pgp.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';

/**
 * Spin's own signed commits, round trip: a key generated here signs a commit written by the
 * commit writer (as the semver image update writes it); Spin's verifier and the real git CLI
 * with gpg (`git verify-commit`, `git log --show-signature`, a temporary GNUPGHOME holding only
 * the public key) both accept it.
 */
const exec = promisify(execFile);
let tmp: string;
let dir: string;
let gitdir: string;
let spin: TestKey;
let stranger: TestKey;
let base: string;
let gnupgHome: string;
let hasGpg = false;

beforeAll(async () => {
  [spin, stranger] = await Promise.all([makeKey('Spin', { gpg: true }), makeKey('Stranger', { gpg: true })]);
  tmp = await makeTempDir('sign');
  dir = path.join(tmp, 'repo');
  gitdir = path.join(dir, '.git');
  await runGit(['init', '-q', '-b', 'main', dir]);
  await runGit(['config', 'user.email', 'maintainer@example.org'], dir);
  await runGit(['config', 'user.name', 'Maintainer'], dir);
  await writeFiles(dir, { 'compose.yaml': 'services:\n  web:\n    image: reg/web:1.4.0\n' });
  base = await commitAll(dir, 'researcher commit');
  gnupgHome = path.join(tmp, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  hasGpg = await exec('gpg', ['--version']).then(
    () => true,
    () => false,
  );
  if (hasGpg) {
    const keyFile = path.join(tmp, 'spin.pub.asc');
    await writeFile(keyFile, spin.armoredPublic);
    await exec('gpg', ['--homedir', gnupgHome, '--batch', '--quiet', '--import', keyFile]);
  }
}, 60_000);

afterAll(async () => {
  if (hasGpg) await exec('gpgconf', ['--homedir', gnupgHome, '--kill', 'all']).catch(() => undefined);
  await removeTempDir(tmp);
});

/** Writes Spin's image-update commit on `base`, signed by `key`. */
async function signedByWriter(key: TestKey, message = 'image update web 1.4.0 -> 1.4.3\n\nweb: ...\n') {
  const signer = await readSigningKey(key.armoredPrivate);
  return writeCommitObject(
    gitdir,
    {
      parent: base,
      files: { 'compose.yaml': 'services:\n  web:\n    image: reg/web:1.4.3\n' },
      message,
      author: { name: 'Spin', email: 'spin@localhost' },
      sign: (payload) => signCommitPayload(payload, signer),
    },
    {},
  );
}

const gitWithGpg = (args: string[]) =>
  exec('git', ['-C', dir, ...args], { env: { ...process.env, GNUPGHOME: gnupgHome } });

describe("Spin's commit signatures", () => {
  it('signs a commit that Spin’s own verifier accepts, with the key’s id', async () => {
    const oid = await signedByWriter(spin);
    const { commit, payload } = await git.readCommit({ fs, gitdir, oid });
    expect(commit.gpgsig).toContain('-----BEGIN PGP SIGNATURE-----');
    expect(commit.parent).toEqual([base]);
    expect(payload).toBe(commitPayload({ ...commit, parent: commit.parent }));
    expect(await verifyCommitSignature({ gitdir, oid, keys: [spin.armoredPublic] })).toEqual({
      ok: true,
      keyId: spin.keyId,
      fingerprint: spin.fingerprint,
    });
    // Another key's signature is not Spin's.
    expect(await verifyCommitSignature({ gitdir, oid, keys: [stranger.armoredPublic] })).toMatchObject({
      ok: false,
      reason: `signed by an unknown key ${spin.keyId}`,
    });
  });

  it('makes a binary signature over exactly the stored commit without gpgsig', async () => {
    const oid = await signedByWriter(spin, 'line one\r\nline two\n\n\n');
    const { commit, payload } = await git.readCommit({ fs, gitdir, oid });
    const signature = await openpgp.readSignature({ armoredSignature: commit.gpgsig ?? '' });
    expect(signature.packets[0]?.signatureType).toBe(openpgp.enums.signature.binary);
    const verified = await openpgp.verify({
      message: await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') }),
      signature,
      verificationKeys: spin.privateKey.toPublic(),
    });
    await expect(verified.signatures[0]?.verified).resolves.toBe(true);
    expect(payload.endsWith('\n\nline one\nline two\n')).toBe(true);
  });

  it('is accepted by git verify-commit and git log --show-signature (real gpg)', async (ctx) => {
    if (!hasGpg) ctx.skip();
    const oid = await signedByWriter(spin);
    const verify = await gitWithGpg(['verify-commit', '--raw', oid]);
    expect(verify.stderr).toContain(`[GNUPG:] GOODSIG ${spin.keyId}`);
    expect(verify.stderr).toContain(`VALIDSIG ${spin.fingerprint}`);
    const log = await gitWithGpg(['log', '-1', '--show-signature', '--format=%G? %GF', oid]);
    expect(log.stdout).toContain('Good signature from "Spin <spin@example.org>"');
    expect(log.stdout).toMatch(new RegExp(`^[GU] ${spin.fingerprint}$`, 'm'));
    // A stranger's signature over the same change is not good for gpg either (key unknown).
    const foreign = await signedByWriter(stranger);
    await expect(gitWithGpg(['verify-commit', foreign])).rejects.toThrow();
  });

  it('unlocks a protected key only with its passphrase, and never says the passphrase', async () => {
    const passphrase = 'horse-battery-7781';
    const { privateKey } = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'Spin', email: 'spin@example.org' }],
      passphrase,
      format: 'armored',
    });
    await expect(readSigningKey(privateKey)).rejects.toThrow(/protected by a passphrase/);
    const wrong = await readSigningKey(privateKey, 'not-it').catch((err: unknown) => err);
    expect(wrong).toBeInstanceOf(SigningKeyError);
    expect((wrong as Error).message).toBe('the passphrase does not unlock the key');
    const unlocked = await readSigningKey(privateKey, passphrase);
    expect(unlocked.key.isDecrypted()).toBe(true);

    // Through the config's files: the passphrase file's trailing newline is not part of it.
    const keyFile = path.join(tmp, 'protected.asc');
    const passphraseFile = path.join(tmp, 'passphrase');
    await writeFile(keyFile, privateKey);
    await writeFile(passphraseFile, `${passphrase}\n`);
    const loaded = await loadCommitSigningKey({ keyFile, passphraseFile }, 'p', undefined);
    expect(loaded.fingerprint).toBe(unlocked.fingerprint);
    const missing = await loadCommitSigningKey({ keyFile }, 'p', undefined).catch((err: unknown) => err);
    expect((missing as Error).message).toContain('set commitSigning.passphraseFile or passphraseSecret');
    const gone = await loadCommitSigningKey({ keyFile: path.join(tmp, 'nope.asc') }, 'p', undefined).catch(
      (err: unknown) => err,
    );
    expect((gone as Error).message).toMatch(/commitSigning\.keyFile .*nope\.asc cannot be read \(ENOENT\)/);
    for (const err of [wrong, missing, gone]) expect(String(err)).not.toContain(passphrase);
  });

  it('refuses a public key where a private one is needed', async () => {
    await expect(readSigningKey(spin.armoredPublic)).rejects.toThrow(/not an armored OpenPGP private key/);
  });

  it('tells whether the signing key is among a project’s trust keys', async () => {
    const signer = await readSigningKey(spin.armoredPrivate);
    expect(await isTrustedSigner(signer, [stranger.armoredPublic, spin.armoredPublic])).toBe(true);
    expect(await isTrustedSigner(signer, [stranger.armoredPublic])).toBe(false);
    expect(await isTrustedSigner(signer, ['not a key'])).toBe(false);
  });
});
