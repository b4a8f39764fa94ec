/**
 * A git server behind a private CA (issue #17): the real git server helper over HTTPS with a
 * certificate from a CA made here with openssl, reached through the config as the daemon loads
 * it (loadConfigFile, then createGitSource). Without `git.caFile` the certificate is refused;
 * with the top-level or the project's own `caFile` the head resolves and the commit is fetched
 * (ref advertisement and isomorphic-git's fetch both use the CA's agent), with bearer auth on.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/cli/load-config.js';
import { DEFAULT_GIT_LIMITS } from '../../src/config/load.js';
import { createGitSource, SourceError } from '../../src/git/index.js';
import { cloneWorkingCopy, createRepo, startGitServer, type GitServer } from '../helpers/git-server.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

const execFileP = promisify(execFile);
const TOKEN = 'spin-tls-token-4c1d8e';

let tmp: string;
let server: GitServer;
let head = '';

async function openssl(args: string[]): Promise<void> {
  await execFileP('openssl', args, { cwd: tmp });
}

/** A CA, and a certificate it signs for 127.0.0.1 (an IP SAN: what Node checks). */
async function makeCertificates(): Promise<{ key: string; cert: string }> {
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Spin Test CA',
  ]);
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(path.join(tmp, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  return {
    key: await readFile(path.join(tmp, 'server.key'), 'utf8'),
    cert: await readFile(path.join(tmp, 'server.pem'), 'utf8'),
  };
}

/** The project as the daemon would get it from this config text. */
async function sourceFor(yaml: string) {
  const file = path.join(tmp, 'spin.yaml');
  await writeFile(file, yaml);
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const project = loaded.config.projects[0]!;
  return createGitSource(project, loaded.config.stateDir, DEFAULT_GIT_LIMITS);
}

beforeAll(async () => {
  tmp = await makeTempDir('privtls');
  const tls = await makeCertificates();
  const root = path.join(tmp, 'git');
  server = await startGitServer(root, { tls, auth: { token: TOKEN } });
  const bare = await createRepo(root, 'stack');
  const copy = await cloneWorkingCopy(bare, path.join(tmp, 'work'));
  head = await copy.commitAndPush({ 'compose.yaml': 'services: {}\n' }, 'first');
  await writeFile(path.join(tmp, 'token'), TOKEN);
}, 60_000);

afterAll(async () => {
  await server?.stop().catch(() => {});
  if (tmp) await removeTempDir(tmp);
});

const project = (extra: string) => `stateDir: state
projects:
  - name: tls
    repo: ${server.repoUrl('stack')}
    git: { tokenFile: token${extra} }
`;

describe('HTTPS git server with a private CA', () => {
  it('is refused without the CA, and the error names the certificate problem, not the token', async () => {
    expect(server.url.startsWith('https://')).toBe(true);
    const source = await sourceFor(project(''));
    const error = await source.resolveHead().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).code).toBe('unreachable');
    expect((error as SourceError).message).toMatch(/certificate/i);
    expect((error as SourceError).message).not.toContain(TOKEN);
  });

  it("resolves and fetches with the project's caFile", async () => {
    const source = await sourceFor(project(', caFile: ca.pem'));
    expect(await source.resolveHead()).toBe(head);
    expect(await source.readerAt(head).readFile('compose.yaml')).toBeDefined();
  });

  it('resolves with the daemon-wide git.caFile', async () => {
    const source = await sourceFor(
      `git: { caFile: ca.pem }\n${project('').replace('stateDir: state', 'stateDir: state2')}`,
    );
    expect(await source.resolveHead()).toBe(head);
  });
});
