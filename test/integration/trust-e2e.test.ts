import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProjectContainers } from '../helpers/docker.js';
import {
  projectFixture,
  sleeperStack,
  waitStatusNote,
  type ProjectFixture,
} from '../helpers/project-fixture.js';
import { makeKey, pushSigned as pushSignedCommit, type TestKey } from '../helpers/pgp.js';
import { runSpin } from '../helpers/spin-cli.js';

/**
 * Trusted commits end to end: a project whose config lists an OpenPGP public key deploys only
 * deploy-branch heads signed by it. Keys are generated here; signed commits are written by
 * isomorphic-git (onSign) in a working copy and pushed with the git CLI to the real git server.
 */
let f: ProjectFixture;
let maintainer: TestKey;
let stranger: TestKey;
let context: string;
let signed: string;

/** A commit signed by `key`, pushed to main; `expect`s the working copy's head to be it. */
async function pushSigned(key: TestKey, files: Record<string, string>, message: string): Promise<string> {
  const oid = await pushSignedCommit(f.repo, key, files, message);
  expect(await f.repo.head()).toBe(oid);
  return oid;
}

const waitNote = (sha: string, state: string) =>
  waitStatusNote(f, sha, context, (e) => e.state === state, 20_000);

const containers = async () =>
  Object.fromEntries(
    (await listProjectContainers(f.project)).map((c) => [c.name, `${c.id} ${c.labels['spin.commit']}`]),
  );

beforeAll(async () => {
  [maintainer, stranger] = await Promise.all([makeKey('Maintainer'), makeKey('Stranger')]);
  f = await projectFixture('trust', { project: { trust: { keys: [maintainer.armoredPublic] } } });
  context = `spin/${f.project}`;
  signed = await pushSigned(maintainer, { 'compose.yaml': sleeperStack(['app']) }, 'signed first deploy');
  await f.startDaemon();
});

afterAll(async () => {
  await f?.cleanup();
});

describe('trust.keys on the real daemon', () => {
  it('deploys a commit signed with a listed key', async () => {
    await f.waitStatus((s) => s.appliedCommit === signed && s.health === 'Healthy', 'signed commit deployed');
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.commit'])).toEqual([signed]);
    expect(await waitNote(signed, 'success')).toMatchObject({ description: 'deployed and healthy' });
  });

  it('refuses an unsigned commit and changes nothing', async () => {
    const before = await containers();
    const unsigned = await f.push({ 'compose.yaml': sleeperStack(['app', 'extra']) }, 'unsigned change');
    const status = await f.waitStatus((s) => s.refusedCommit === unsigned, 'unsigned commit refused');
    expect(status.lastError).toMatchObject({
      reason: 'UntrustedCommit',
      message: 'untrusted commit: unsigned commit',
      commit: unsigned,
    });
    expect(status).toMatchObject({ desiredCommit: unsigned, appliedCommit: signed, lastResult: 'refused' });
    expect(await waitNote(unsigned, 'failure')).toMatchObject({
      description: 'untrusted commit: unsigned commit',
    });
    // Polls go on (pollInterval 1s); the refusal holds and the engine is left alone.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await containers()).toEqual(before);
    expect((await f.status())?.refusedCommit).toBe(unsigned);
    // spin plan answers what the daemon does: this head is refused, nothing would be applied.
    const plan = await runSpin(['plan', '--config', f.configFile, f.project]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(
      `commit ${unsigned.slice(0, 12)}:0:0: trust: untrusted commit: unsigned commit`,
    );
  });

  it('previews an unsigned branch head with its plan and says it deploys only through a signed merge', async () => {
    await f.repo.git(['checkout', '--quiet', '-b', 'feature-unsigned', signed]);
    await f.repo.writeFiles({ 'compose.yaml': sleeperStack(['app', 'third']) });
    const branchHead = await f.repo.commitAll('unsigned feature');
    await f.repo.push('feature-unsigned');
    await f.repo.git(['checkout', '--quiet', 'main']);
    expect(await waitStatusNote(f, branchHead, `${context}/validate`, undefined, 20_000)).toMatchObject({
      state: 'success',
      description:
        'policy ok; +1 created, 0 recreated, 0 removed; unsigned commit: deploys through a signed merge',
    });
  });

  it('refuses a commit signed by a key that is not listed and changes nothing', async () => {
    const before = await containers();
    const foreign = await pushSigned(
      stranger,
      { 'compose.yaml': sleeperStack(['app', 'extra', 'third']) },
      'signed by a stranger',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === foreign, 'stranger commit refused');
    const message = `untrusted commit: signed by an unknown key ${stranger.keyId}`;
    expect(status.lastError).toMatchObject({ reason: 'UntrustedCommit', message });
    expect(status.appliedCommit).toBe(signed);
    expect(await waitNote(foreign, 'failure')).toMatchObject({ description: message });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await containers()).toEqual(before);
  });

  it('refuses a commit changed after a listed key signed it', async () => {
    const before = await containers();
    // The first signed commit, its signature kept, pointed at another tree (the stranger's three
    // sleepers) and a parent afterwards: what a forged or rewritten commit looks like.
    const raw = await f.repo.git(['cat-file', 'commit', signed]);
    const parent = await f.repo.head();
    const tree = (await f.repo.git(['rev-parse', `${parent}^{tree}`])).trim();
    const forged = raw
      .replace(/^parent [0-9a-f]{40}\n/m, '')
      .replace(/^tree [0-9a-f]{40}\n/, `tree ${tree}\nparent ${parent}\n`);
    const file = `${f.tmp}/forged-commit`;
    await fs.promises.writeFile(file, forged);
    const tampered = (await f.repo.git(['hash-object', '-t', 'commit', '-w', file])).trim();
    expect(await f.repo.git(['cat-file', 'commit', tampered])).toContain('-----BEGIN PGP SIGNATURE-----');
    await f.repo.git(['reset', '--quiet', '--hard', tampered]);
    await f.repo.push();
    const status = await f.waitStatus((s) => s.refusedCommit === tampered, 'tampered commit refused');
    expect(status.lastError).toMatchObject({
      reason: 'UntrustedCommit',
      message: 'untrusted commit: invalid signature',
    });
    expect(await waitNote(tampered, 'failure')).toMatchObject({
      description: 'untrusted commit: invalid signature',
    });
    expect(await containers()).toEqual(before);
  });

  it('deploys again once a listed key signs the head', async () => {
    const next = await pushSigned(
      maintainer,
      { 'compose.yaml': sleeperStack(['app', 'extra']) },
      'signed merge of extra',
    );
    const status = await f.waitStatus(
      (s) => s.appliedCommit === next && s.health === 'Healthy',
      'signed head deployed',
    );
    expect(status.refusedCommit).toBeUndefined();
    expect(status.lastError).toBeUndefined();
    expect((await listProjectContainers(f.project)).map((c) => c.labels['spin.service']).sort()).toEqual([
      'app',
      'extra',
    ]);
    expect(await waitNote(next, 'success')).toMatchObject({ description: 'deployed and healthy' });
  });
});
