/**
 * A real image registry for tests: Debian's `docker-registry` (the CNCF distribution registry)
 * on a free loopback port, with or without htpasswd logins. The engine talks plain HTTP to it
 * (loopback registries are insecure registries by default). Images are pushed through the
 * engine's API with the login in X-Registry-Auth, so no `docker login` file is ever written.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker, waitFor } from './docker.js';
import { makeTempDir, removeTempDir } from './tmp.js';

const run = promisify(execFile);
export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  login?: { username: string; password: string };
  /**
   * Pushes the engine's image `local` as `host/repository:tag` and returns the manifest digest
   * the registry stored; the local tag is removed again, so the engine must pull (or resolve
   * through the registry) to run it.
   */
  push(local: string, repository: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startRegistry(
  options: {
    login?: { username: string; password: string };
    /**
     * Network namespaces (`/var/run/netns/NAME`, e.g. a Swarm lab's nodes) where the same
     * registry also answers on its loopback address: one process each, one shared storage, so
     * `127.0.0.1:PORT/...` names the same images on the host and on every node.
     */
    netns?: string[];
  } = {},
): Promise<TestRegistry> {
  const dir = await makeTempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (options.login) {
    const htpasswd = path.join(dir, 'htpasswd');
    await run('htpasswd', ['-Bbc', htpasswd, options.login.username, options.login.password]);
    auth = `auth:\n  htpasswd:\n    realm: spin-test\n    path: ${htpasswd}\n`;
  }
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
http:
  addr: ${host}
${auth}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const inNamespaces: ChildProcess[] = (options.netns ?? []).map((ns) =>
    spawn('nsenter', [`--net=${ns}`, REGISTRY_BIN, 'serve', config], { stdio: 'ignore' }),
  );
  for (const ns of options.netns ?? []) {
    await waitFor(
      async () => {
        const probe = `exec 3<>/dev/tcp/127.0.0.1/${port}`;
        return run('nsenter', [`--net=${ns}`, 'bash', '-c', probe]).then(
          () => true,
          () => false,
        );
      },
      { until: (up) => up, timeoutMs: 20_000, intervalMs: 200, description: `registry in ${ns}` },
    );
  }
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const res = await fetch(`http://${host}/v2/`).catch(() => undefined);
      return res !== undefined && (res.status === 200 || res.status === 401);
    },
    { until: (up) => up, timeoutMs: 20_000, intervalMs: 200, description: `registry on ${host}` },
  );
  const authconfig = options.login
    ? { username: options.login.username, password: options.login.password, serveraddress: host }
    : undefined;
  return {
    host,
    login: options.login,
    async push(local, repository, tag) {
      const repo = `${host}/${repository}`;
      // Pushed under a staging tag, then the registry is told that `tag` names the same manifest:
      // the engine never holds `repo:tag` itself. (Tagging `repo:tag` on the shared engine for the
      // push let a running daemon see, for a moment, a local image of that name without a digest
      // and run it as one built on the engine; seen in a rehearsal.)
      const staging = `push-${randomBytes(4).toString('hex')}`;
      await docker().getImage(local).tag({ repo, tag: staging });
      const stream = await docker()
        .getImage(`${repo}:${staging}`)
        // The engine wants the header even for an anonymous push.
        .push({ authconfig: authconfig ?? { serveraddress: host } });
      const lines = await new Promise<{ error?: string; aux?: { Digest?: string } }[]>((resolve, reject) =>
        docker().modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
          err ? reject(err) : resolve(out),
        ),
      );
      await docker().getImage(`${repo}:${staging}`).remove({ noprune: true });
      const failed = lines.find((l) => l.error);
      if (failed) throw new Error(`push of ${repo}:${tag} failed: ${failed.error}`);
      const digest = lines.find((l) => l.aux?.Digest)?.aux?.Digest;
      if (!digest) throw new Error(`push of ${repo}:${tag} named no digest`);
      await retagManifest(host, repository, digest, tag, options.login);
      return digest;
    },
    async stop() {
      // The pushes left `host/repo@digest` references on the shared engine's test images: untag
      // them (never the images themselves, which keep their own tags).
      for (const image of await docker().listImages()) {
        for (const digestRef of image.RepoDigests ?? []) {
          if (!digestRef.startsWith(`${host}/`)) continue;
          await docker()
            .getImage(digestRef)
            .remove({ noprune: true })
            .catch(() => {});
        }
      }
      for (const c of [child, ...inNamespaces]) {
        c.kill('SIGTERM');
        await new Promise((resolve) => (c.exitCode !== null ? resolve(undefined) : c.once('exit', resolve)));
      }
      await removeTempDir(dir);
    },
  };
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

/** Makes `tag` name the manifest `digest` in the registry (the Registry API's manifest PUT). */
async function retagManifest(
  host: string,
  repository: string,
  digest: string,
  tag: string,
  login?: { username: string; password: string },
): Promise<void> {
  const headers: Record<string, string> = { accept: MANIFEST_TYPES.join(', ') };
  if (login) {
    headers.authorization = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
  }
  const base = `http://${host}/v2/${repository}/manifests`;
  const got = await fetch(`${base}/${digest}`, { headers });
  if (!got.ok) throw new Error(`manifest ${digest} of ${repository}: HTTP ${got.status}`);
  const type = got.headers.get('content-type') ?? 'application/vnd.docker.distribution.manifest.v2+json';
  const body = Buffer.from(await got.arrayBuffer());
  const put = await fetch(`${base}/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': type },
    body,
  });
  if (!put.ok) throw new Error(`tagging ${repository}:${tag}: HTTP ${put.status} ${await put.text()}`);
  const stored = put.headers.get('docker-content-digest');
  if (stored !== digest) throw new Error(`tagging ${repository}:${tag} stored ${stored}, not ${digest}`);
}
