import { chmod, writeFile } from 'node:fs/promises';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import git from 'isomorphic-git';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommitSignature } from '../../../src/trust/verify-commit.js';
import { commitAll, runGit, writeFiles } from '../../helpers/git-server.js';
import { makeTempDir, removeTempDir } from '../../helpers/tmp.js';
import { makeKey, type TestKey } from '../../helpers/pgp.js';

/**
 * Real keys (curve25519, generated here), real signed commits in a real repository: written by
 * isomorphic-git with an onSign callback, and by the git CLI itself through a gpg stand-in.
 */
let tmp: string;
let dir: string;
let gitdir: string;
let maintainer: TestKey;
let stranger: TestKey;
let base: string;

beforeAll(async () => {
  [maintainer, stranger] = await Promise.all([makeKey('Maintainer'), makeKey('Stranger')]);
  tmp = await makeTempDir('trust');
  dir = path.join(tmp, 'repo');
  gitdir = path.join(dir, '.git');
  await runGit(['init', '-q', '-b', 'main', dir]);
  await runGit(['config', 'user.email', 'maintainer@example.org'], dir);
  await runGit(['config', 'user.name', 'Maintainer'], dir);
  await writeFiles(dir, { 'compose.yaml': 'services: {}\n' });
  base = await commitAll(dir, 'unsigned base');
}, 60_000);

afterAll(async () => {
  await removeTempDir(tmp);
});

const author = {
  name: 'Maintainer',
  email: 'maintainer@example.org',
  timestamp: 1714650000,
  timezoneOffset: 0,
};

/** A commit signed through isomorphic-git's onSign hook, as a text or binary signature. */
async function signedCommit(
  key: TestKey,
  message: string,
  mode: 'text' | 'binary' = 'text',
): Promise<string> {
  const { commit } = await git.readCommit({ fs, gitdir, oid: base });
  return git.commit({
    fs,
    gitdir,
    message,
    author,
    tree: commit.tree,
    parent: [base],
    noUpdateBranch: true,
    signingKey: key.armoredPrivate,
    onSign: async ({ payload }) => {
      const msg =
        mode === 'text'
          ? await openpgp.createMessage({ text: payload })
          : await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') });
      const signature = await openpgp.sign({ message: msg, signingKeys: key.privateKey, detached: true });
      return { signature: signature as string };
    },
  });
}

describe('verifyCommitSignature', () => {
  it('accepts a commit signed by one of the listed keys', async () => {
    const oid = await signedCommit(maintainer, 'signed merge\n');
    const verdict = await verifyCommitSignature({
      gitdir,
      oid,
      keys: [stranger.armoredPublic, maintainer.armoredPublic],
    });
    expect(verdict).toEqual({ ok: true, keyId: maintainer.keyId, fingerprint: maintainer.fingerprint });
  });

  it('accepts binary signatures (what gpg makes) too', async () => {
    const oid = await signedCommit(maintainer, 'binary signature\n', 'binary');
    expect(await verifyCommitSignature({ gitdir, oid, keys: [maintainer.armoredPublic] })).toMatchObject({
      ok: true,
    });
  });

  it('accepts a commit signed by the git CLI through gpg.program', async () => {
    // git calls `<gpg.program> --status-fd=2 -bsau <key>` with the payload on stdin and wants an
    // armored detached signature on stdout plus a SIG_CREATED status line.
    const keyFile = path.join(tmp, 'maintainer.asc');
    await writeFile(keyFile, maintainer.armoredPrivate);
    const openpgpPath = createRequire(import.meta.url).resolve('openpgp');
    const program = path.join(tmp, 'fake-gpg.cjs');
    await writeFile(
      program,
      `#!/usr/bin/env node
const fs = require('node:fs');
const openpgp = require(${JSON.stringify(openpgpPath)});
(async () => {
  const payload = fs.readFileSync(0);
  const key = await openpgp.readPrivateKey({ armoredKey: fs.readFileSync(${JSON.stringify(keyFile)}, 'utf8') });
  const message = await openpgp.createMessage({ binary: payload });
  process.stdout.write(await openpgp.sign({ message, signingKeys: key, detached: true }));
  process.stderr.write('\\n[GNUPG:] SIG_CREATED D 22 8 00 0 ${maintainer.fingerprint}\\n');
})().catch((e) => { console.error(e); process.exit(2); });
`,
    );
    await chmod(program, 0o755);
    await runGit(
      ['-c', `gpg.program=${program}`, 'commit', '-q', '--allow-empty', '-S', '-m', 'signed by git'],
      dir,
    );
    const oid = (await runGit(['rev-parse', 'HEAD'], dir)).trim();
    expect(await runGit(['cat-file', 'commit', oid], dir)).toContain('gpgsig -----BEGIN PGP SIGNATURE-----');
    expect(await verifyCommitSignature({ gitdir, oid, keys: [maintainer.armoredPublic] })).toEqual({
      ok: true,
      keyId: maintainer.keyId,
      fingerprint: maintainer.fingerprint,
    });
  });

  it('refuses an unsigned commit', async () => {
    expect(await verifyCommitSignature({ gitdir, oid: base, keys: [maintainer.armoredPublic] })).toEqual({
      ok: false,
      reason: 'unsigned commit',
    });
  });

  it('refuses a commit signed by a key that is not listed, naming the key', async () => {
    const oid = await signedCommit(stranger, 'from a stranger\n');
    expect(await verifyCommitSignature({ gitdir, oid, keys: [maintainer.armoredPublic] })).toEqual({
      ok: false,
      reason: `signed by an unknown key ${stranger.keyId}`,
    });
  });

  it('refuses a signed commit whose content was changed afterwards', async () => {
    const oid = await signedCommit(maintainer, 'deploy 1 replica\n');
    const { commit } = await git.readCommit({ fs, gitdir, oid });
    expect(commit.gpgsig).toBeTruthy();
    const tampered = await git.writeCommit({
      fs,
      gitdir,
      commit: { ...commit, message: 'deploy 100 replicas\n' },
    });
    expect(tampered).not.toBe(oid);
    expect(
      await verifyCommitSignature({ gitdir, oid: tampered, keys: [maintainer.armoredPublic] }),
    ).toMatchObject({
      ok: false,
      reason: 'invalid signature',
    });
  });

  it('fails closed on broken keys, a missing commit and an empty key list', async () => {
    const oid = await signedCommit(maintainer, 'signed\n');
    expect(await verifyCommitSignature({ gitdir, oid, keys: ['not a key'] })).toMatchObject({
      ok: false,
      reason: 'trust keys are invalid',
    });
    expect(await verifyCommitSignature({ gitdir, oid, keys: [] })).toMatchObject({ ok: false });
    expect(
      await verifyCommitSignature({ gitdir, oid: 'f'.repeat(40), keys: [maintainer.armoredPublic] }),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/^cannot read commit/) });
  });
});
