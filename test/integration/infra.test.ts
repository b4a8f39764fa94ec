/**
 * Proves the test infrastructure works on the real parts: git http-backend behind the Node CGI
 * wrapper (CLI and isomorphic-git clients, push included), and the Docker engine with the local
 * test images.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import git from 'isomorphic-git';
import gitHttp from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloneWorkingCopy,
  createRepo,
  lsRemote,
  runGit,
  startGitServer,
  type GitServer,
} from '../helpers/git-server.js';
import {
  docker,
  hostPort,
  listProjectContainers,
  removeProject,
  requireDocker,
  uniqueProject,
  waitFor,
} from '../helpers/docker.js';
import { BUSYBOX_IMAGE, WEB_IMAGE, WEB_PORT } from '../helpers/images.js';
import { cleanupTempDirs, makeTempDir } from '../helpers/tmp.js';

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
  });
}

describe('git server', () => {
  let server: GitServer;
  let root: string;

  beforeAll(async () => {
    root = await makeTempDir('infra-git');
    server = await startGitServer(path.join(root, 'repos'));
  });

  afterAll(async () => {
    await server?.stop();
    await cleanupTempDirs();
  });

  it('serves pushes and fetches to the git CLI and isomorphic-git', async () => {
    const bare = await createRepo(path.join(root, 'repos'), 'demo');
    expect(bare).toBe(path.join(root, 'repos', 'demo.git'));
    const url = server.repoUrl('demo');
    expect(url).toBe(`${server.url}/demo.git`);

    // Clone the empty repository, commit, push (receive-pack over HTTP).
    const wc = await cloneWorkingCopy(url, path.join(root, 'wc1'));
    await wc.writeFiles({ 'compose.yaml': 'services:\n  web:\n    image: x\n', 'nested/dir/a.txt': 'a\n' });
    const sha = await wc.commitAll('first');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    await wc.push();
    expect(server.requests.some((r) => r.method === 'POST' && r.path === '/demo.git/git-receive-pack')).toBe(
      true,
    );

    // ls-remote over HTTP sees the sha.
    const refs = await lsRemote(url);
    expect(refs['refs/heads/main']).toBe(sha);

    // A second clone sees the file.
    const wc2 = await cloneWorkingCopy(url, path.join(root, 'wc2'));
    expect(await wc2.head()).toBe(sha);
    expect(await readFile(path.join(wc2.dir, 'compose.yaml'), 'utf8')).toContain('image: x');

    // Removing a file and pushing again moves the branch.
    await wc.removeFiles(['nested']);
    const sha2 = await wc.commitAll('second');
    await wc.push();
    expect((await lsRemote(url))['refs/heads/main']).toBe(sha2);

    // isomorphic-git, protocol v1: one ref advertisement = exactly one request.
    server.requests.length = 0;
    const info = await git.getRemoteInfo2({ http: gitHttp, url, protocolVersion: 1 });
    expect(info.protocolVersion).toBe(1);
    const main = info.protocolVersion === 1 ? info.refs?.find((r) => r.ref === 'refs/heads/main') : undefined;
    expect(main?.oid).toBe(sha2);
    expect(server.requests).toEqual([{ method: 'GET', path: '/demo.git/info/refs?service=git-upload-pack' }]);

    // isomorphic-git can also fetch the commit.
    const dir = path.join(root, 'iso');
    const fs = await import('node:fs');
    await git.clone({ fs, http: gitHttp, dir, url, ref: 'main', singleBranch: true, depth: 1 });
    expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(sha2);
  });

  it('passes gzip and chunked request bodies through (protocol v0 and v2)', async () => {
    const seen: string[] = [];
    const repos = path.join(root, 'repos2');
    const s2 = await startGitServer(repos, {
      intercept: (req) => {
        if (req.method === 'POST') {
          seen.push(
            `${req.url ?? ''} ${req.headers['content-encoding'] ?? ''}${req.headers['transfer-encoding'] ?? ''}`,
          );
        }
        return false;
      },
    });
    try {
      await createRepo(repos, 'many');
      const wc = await cloneWorkingCopy(s2.repoUrl('many'), path.join(root, 'many-wc'));
      await wc.writeFiles({ 'noise.txt': randomBytes(8192).toString('hex') });
      const sha = await wc.commitAll('noise');
      // A pack larger than http.postBuffer is sent chunked.
      await wc.git(['-c', 'http.postBuffer=1024', 'push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
      // Many wants make the upload-pack request larger than 1 KiB, which git gzips.
      for (let i = 0; i < 40; i++) await wc.git(['branch', `branch-${i}`]);
      await wc.git(['push', '--quiet', 'origin', '--all']);
      for (const version of ['0', '2']) {
        const dir = path.join(root, `mirror-v${version}`);
        await runGit([
          '-c',
          `protocol.version=${version}`,
          'clone',
          '--quiet',
          '--mirror',
          s2.repoUrl('many'),
          dir,
        ]);
        expect((await runGit(['rev-parse', 'branch-39'], dir)).trim()).toBe(sha);
      }
      expect(seen).toContain('/many.git/git-receive-pack chunked');
      expect(seen.filter((l) => l === '/many.git/git-upload-pack gzip')).toHaveLength(2);
    } finally {
      await s2.stop();
    }
  });

  it('answers 404 for an unknown repository', async () => {
    const res = await httpGet(`${server.url}/nope.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
  });
});

describe('docker engine', () => {
  const project = uniqueProject('infra');

  beforeAll(async () => {
    await requireDocker();
  });

  afterAll(async () => {
    await removeProject(project);
    expect(await listProjectContainers(project)).toEqual([]);
  });

  it('runs the busybox image', async () => {
    const container = await docker().createContainer({
      Image: BUSYBOX_IMAGE,
      Cmd: ['sh', '-c', 'echo hello-from-busybox; id -un nobody; stat -c %a /tmp'],
      name: `${project}_echo_1`,
      Labels: { 'spin.managed': 'true', 'spin.project': project },
    });
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    expect(result.StatusCode).toBe(0);
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('hello-from-busybox');
    expect(logs).toContain('nobody');
    expect(logs).toContain('1777');

    const listed = await listProjectContainers(project);
    expect(listed.map((c) => c.name)).toEqual([`${project}_echo_1`]);
    expect(listed[0]?.state).toBe('exited');
    expect(listed[0]?.labels['spin.project']).toBe(project);
  });

  it('serves HTTP from the web image on 127.0.0.1', async () => {
    const container = await docker().createContainer({
      Image: WEB_IMAGE,
      name: `${project}_web_1`,
      Labels: { 'spin.managed': 'true', 'spin.project': project },
      ExposedPorts: { [`${WEB_PORT}/tcp`]: {} },
      HostConfig: { PortBindings: { [`${WEB_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await container.start();
    const port = await hostPort(container.id, WEB_PORT);
    const res = await waitFor(() => httpGet(`http://127.0.0.1:${port}/`), {
      timeoutMs: 15_000,
      until: (r) => r.status === 200,
      description: 'web image answering',
    });
    expect(res.body).toContain('spin-test web v1');
  });
});
