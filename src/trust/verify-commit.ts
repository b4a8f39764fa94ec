import fs from 'node:fs';
import git from 'isomorphic-git';
import type * as OpenPGP from 'openpgp';
import { errorMessage } from '../util/errors.js';
import { hexId, loadOpenpgp, parseTrustKeys } from './keys.js';

export type SignatureVerdict =
  { ok: true; keyId: string; fingerprint: string } | { ok: false; reason: string; detail?: string };

export interface VerifyCommitOptions {
  /** The repository holding the commit (the source's cache gitdir, or a local repository's). */
  gitdir: string;
  /** Full sha of the commit. */
  oid: string;
  /** Armored OpenPGP public keys allowed to sign deploys. */
  keys: readonly string[];
  /** isomorphic-git object cache to share with the source, if any. */
  cache?: object;
}

/**
 * Checks that a commit carries an OpenPGP signature, made by one of `keys`, over exactly the
 * commit as stored: git signs the commit object without its `gpgsig` header, which is what
 * isomorphic-git returns as `payload`. Fails closed: anything unexpected is a refusal with a
 * reason fit for a commit status ("unsigned commit", "signed by an unknown key <id>",
 * "invalid signature"), never an exception.
 */
export async function verifyCommitSignature(options: VerifyCommitOptions): Promise<SignatureVerdict> {
  let payload: string;
  let gpgsig: string | undefined;
  try {
    const read = await git.readCommit({ fs, gitdir: options.gitdir, oid: options.oid, cache: options.cache });
    payload = read.payload;
    gpgsig = read.commit.gpgsig;
  } catch (err) {
    return { ok: false, reason: `cannot read commit ${options.oid.slice(0, 12)}`, detail: errorMessage(err) };
  }
  if (!gpgsig) return { ok: false, reason: 'unsigned commit' };
  if (gpgsig.includes('-----BEGIN SSH SIGNATURE-----')) {
    return { ok: false, reason: 'unsupported signature format (SSH); sign with OpenPGP' };
  }
  if (gpgsig.includes('-----BEGIN SIGNED MESSAGE-----')) {
    return { ok: false, reason: 'unsupported signature format (X.509); sign with OpenPGP' };
  }

  let keys: OpenPGP.PublicKey[];
  try {
    keys = await parseTrustKeys(options.keys);
  } catch (err) {
    return { ok: false, reason: 'trust keys are invalid', detail: errorMessage(err) };
  }
  if (keys.length === 0) return { ok: false, reason: 'no trust keys configured' };

  const openpgp = await loadOpenpgp();
  let signature: OpenPGP.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: gpgsig });
  } catch (err) {
    return { ok: false, reason: 'invalid signature', detail: `unreadable: ${errorMessage(err)}` };
  }
  const signerIds = signature.getSigningKeyIDs();
  const candidates = keys.filter((key) => signerIds.some((id) => key.getKeys(id).length > 0));
  if (candidates.length === 0) {
    const id = signerIds[0];
    return { ok: false, reason: id ? `signed by an unknown key ${hexId(id)}` : 'signed by an unknown key' };
  }

  // gpg makes binary signatures; a text signature (e.g. openpgp.js over a string) hashes the
  // text with normalised line ends, so build the message the way the signature expects.
  const textSignature = signature.packets.some((p) => p.signatureType === openpgp.enums.signature.text);
  const message = textSignature
    ? await openpgp.createMessage({ text: payload })
    : await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') });
  let failure = 'no signature matched';
  try {
    const result = await openpgp.verify({ message, signature, verificationKeys: candidates });
    for (const sig of result.signatures) {
      try {
        await sig.verified;
      } catch (err) {
        failure = errorMessage(err);
        continue;
      }
      const owner = candidates.find((key) => key.getKeys(sig.keyID).length > 0);
      return { ok: true, keyId: hexId(sig.keyID), fingerprint: hexId(owner?.getFingerprint() ?? '') };
    }
  } catch (err) {
    failure = errorMessage(err);
  }
  return { ok: false, reason: 'invalid signature', detail: failure };
}

/**
 * The verdict for `commit` of a project with `trust.keys` (undefined without), cached by commit:
 * the daemon's gate, `spin plan` and reviewers' previews all ask the same question.
 */
export async function commitTrust(
  project: { trust?: { keys: readonly string[] } },
  gitdir: string,
  commit: string,
  cache?: Map<string, SignatureVerdict>,
): Promise<SignatureVerdict | undefined> {
  if (!project.trust || project.trust.keys.length === 0) return undefined;
  let verdict = cache?.get(commit);
  if (!verdict) {
    verdict = await verifyCommitSignature({ gitdir, oid: commit, keys: project.trust.keys });
    cache?.set(commit, verdict);
  }
  return verdict;
}
