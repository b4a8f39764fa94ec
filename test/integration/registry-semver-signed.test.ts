/**
 * Semver image updates for a project that requires signed commits (trust.keys), with a real
 * registry, the real git smart-HTTP server, the real daemon and real gpg:
 * - without a signing key, a newer tag in range gives ImageUpdateUnsigned (said once in the log)
 *   and nothing is pushed;
 * - with commitSigning, Spin's commit is signed (git verify-commit accepts it with Spin's public
 *   key alone) and deploys through the gate;
 * - with imageUpdates.branch, the next commit goes to that branch on top of the deploy head, the
 *   deploy branch does not move, and a later check does not push the same proposal again.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker, waitFor } from '../helpers/docker.js';
import { lsRemote } from '../helpers/git-server.js';
import { WEB_IMAGE, WEB_IMAGE_V2 } from '../helpers/images.js';
import { makeKey, pushSigned as pushSignedCommit, type TestKey } from '../helpers/pgp.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { callApi } from '../helpers/api-client.js';

const exec = promisify(execFile);
const REVIEW = 'spin/image-updates';
let registry: TestRegistry;
let f: ProjectFixture;
let maintainer: TestKey;
let spinKey: TestKey;
let repository: string;
let first: string;
let signedBySpin: string;
let keyFile: string;
let gnupgHome: string;
let hasGpg = false;

const stack = (tag: string) => `services:
  web:
    image: "${registry.host}/${repository}:${tag}"
    deploy: { ${LIMITS} }
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
      interval: 1s
      timeout: 5s
      retries: 2
    stop_grace_period: 1s
    x-spin: { imageUpdates: { semver: "~1.4" } }
${HARDENING}`;

/** The researcher's first commit, signed by the maintainer (the project requires signatures). */
const pushSigned = (files: Record<string, string>, message: string) =>
  pushSignedCommit(f.repo, maintainer, files, message);

const remote = () => lsRemote(f.server.repoUrl(f.project));
const logCount = (msg: string) =>
  (f.daemon?.logs ?? []).filter((l) => l.msg === msg && l.project === f.project).length;
const waitLogs = (msg: string, atLeast: number, description: string) =>
  waitFor(async () => logCount(msg), {
    until: (n) => n >= atLeast,
    timeoutMs: 120_000,
    intervalMs: 500,
    description,
  });

beforeAll(async () => {
  await requireDocker();
  [maintainer, spinKey] = await Promise.all([makeKey('Maintainer'), makeKey('Spin', { gpg: true })]);
  registry = await startRegistry();
  f = await projectFixture('regsig', {
    config: { imageUpdateSchedule: '*/2 * * * * *' },
    project: { trust: { keys: [maintainer.armoredPublic, spinKey.armoredPublic] } },
  });
  repository = `lab/${f.project}`;
  keyFile = path.join(f.tmp, 'spin-signing.asc');
  await writeFile(keyFile, spinKey.armoredPrivate, { mode: 0o600 });
  gnupgHome = path.join(f.tmp, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  hasGpg = await exec('gpg', ['--version']).then(
    () => true,
    () => false,
  );
  if (hasGpg) {
    const pub = path.join(f.tmp, 'spin.pub.asc');
    await writeFile(pub, spinKey.armoredPublic);
    await exec('gpg', ['--homedir', gnupgHome, '--batch', '--quiet', '--import', pub]);
  }
  await registry.push(WEB_IMAGE, repository, '1.4.0');
  first = await pushSigned({ 'compose.yaml': stack('1.4.0') }, 'web 1.4.0');
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === first && s.health === 'Healthy', 'deployed at 1.4.0', 90_000);
}, 180_000);

afterAll(async () => {
  if (hasGpg) await exec('gpgconf', ['--homedir', gnupgHome, '--kill', 'all']).catch(() => undefined);
  await f?.cleanup();
  await registry?.stop();
});

describe('signed semver image updates', () => {
  it('without a signing key: ImageUpdateUnsigned, said once, and nothing pushed', async () => {
    await registry.push(WEB_IMAGE_V2, repository, '1.4.3');
    const s = await f.waitStatus(
      (s) => s.lastError?.reason === 'ImageUpdateUnsigned',
      'ImageUpdateUnsigned',
      120_000,
    );
    expect(s.lastError?.message).toContain('web 1.4.0 -> 1.4.3');
    expect(s.lastError?.message).toContain('set commitSigning.keyFile');
    expect(s.appliedCommit).toBe(first);
    // Two more checks find the same: still in the status, not logged as a warning again.
    await waitLogs('image update still not committed', 2, 'two more checks');
    expect(logCount('image update not committed')).toBe(1);
    expect((await f.status())?.lastError?.reason).toBe('ImageUpdateUnsigned');
    expect(await remote()).toMatchObject({ 'refs/heads/main': first });
  }, 300_000);

  it('with commitSigning: a signed commit that git verifies and the gate deploys', async () => {
    const d143 = await registry.push(WEB_IMAGE_V2, repository, '1.4.3');
    await f.writeConfig({
      ...f.config,
      projects: [{ ...f.config.projects[0], commitSigning: { keyFile } }],
    });
    const s = await f.waitStatus(
      (s) => s.appliedCommit !== first && s.health === 'Healthy' && s.images?.web?.digest === d143,
      'moved to 1.4.3, signed',
      180_000,
    );
    expect(s.lastError).toBeUndefined();
    signedBySpin = s.appliedCommit ?? '';
    expect((await remote())['refs/heads/main']).toBe(signedBySpin);
    await f.repo.pull();
    const raw = await f.repo.git(['cat-file', 'commit', signedBySpin]);
    expect(raw).toContain(`parent ${first}`);
    expect(raw).toMatch(/^author Spin <spin@localhost> /m);
    expect(raw).toContain('gpgsig -----BEGIN PGP SIGNATURE-----');
    if (hasGpg) {
      const env = { ...process.env, GNUPGHOME: gnupgHome };
      const verify = await exec('git', ['-C', f.repo.dir, 'verify-commit', '--raw', signedBySpin], { env });
      expect(verify.stderr).toContain(`VALIDSIG ${spinKey.fingerprint}`);
    }
    // The key never reaches the status.
    expect(JSON.stringify(await f.status())).not.toContain('PRIVATE KEY');
  }, 300_000);

  it('review mode: the commit goes to the review branch and the deploy branch stays', async () => {
    const reloads = () => (f.daemon?.logs ?? []).filter((l) => l.msg === 'config reloaded').length;
    const before = reloads();
    await f.writeConfig({
      ...f.config,
      projects: [{ ...f.config.projects[0], commitSigning: { keyFile }, imageUpdates: { branch: REVIEW } }],
    });
    // The new tag only once the daemon runs with review mode, or it would commit to main.
    await waitFor(async () => reloads(), {
      until: (n) => n > before,
      timeoutMs: 120_000,
      intervalMs: 500,
      description: 'config reloaded with imageUpdates.branch',
    });
    await registry.push(WEB_IMAGE, repository, '1.4.5');
    const refs = await waitFor(remote, {
      until: (r) => r[`refs/heads/${REVIEW}`] !== undefined,
      timeoutMs: 180_000,
      intervalMs: 1000,
      description: `${REVIEW} pushed`,
    });
    const proposal = refs[`refs/heads/${REVIEW}`] ?? '';
    expect(refs['refs/heads/main']).toBe(signedBySpin);
    await f.repo.git(['fetch', '--quiet', 'origin']);
    const raw = await f.repo.git(['cat-file', 'commit', proposal]);
    expect(raw).toContain(`parent ${signedBySpin}`);
    expect(raw).toContain('gpgsig -----BEGIN PGP SIGNATURE-----');
    const diff = await f.repo.git(['diff', '-U0', signedBySpin, proposal]);
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      `-    image: "${registry.host}/${repository}:1.4.3"`,
      `+    image: "${registry.host}/${repository}:1.4.5"`,
    ]);
    // Later checks find the same proposal there and push nothing; main and what runs stay.
    await waitLogs('image update already proposed', 2, 'two more checks');
    expect(logCount('image update proposed for review')).toBe(1);
    expect(await remote()).toMatchObject({
      'refs/heads/main': signedBySpin,
      [`refs/heads/${REVIEW}`]: proposal,
    });
    const s = await f.status();
    expect(s?.appliedCommit).toBe(signedBySpin);
    expect(s?.images?.web?.ref).toBe(`${registry.host}/${repository}:1.4.3`);
    const history = await callApi<{ events: { kind: string; message: string }[] }>(
      f.daemon?.apiUrl ?? '',
      'GET',
      `/api/v1/projects/${f.project}/history`,
    );
    expect(
      history.body.events.some(
        (e) => e.kind === 'image-commit' && e.message.startsWith(`proposed on ${REVIEW}`),
      ),
    ).toBe(true);
  }, 420_000);
});
