/**
 * The container image as an operator runs it (issue #17): built by scripts/build-image.sh (a local
 * debootstrap base with this machine's Node, nothing pulled), run against the host engine with
 * the socket mounted and stateDir and runtimeDir bind-mounted at the same paths, it deploys a
 * stack with a secret, a config and a repository file bind; its HEALTHCHECK turns healthy; and
 * `docker stop` ends it with exit code 0. Started without those mounts, it refuses at once (2).
 * Skipped, saying why, only when the image cannot be built here (no debootstrap and no base).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, execIn, listProjectContainers, requireDocker, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { runSpin } from '../helpers/spin-cli.js';

const execFileP = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');
const dockerBin = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const IMAGE = process.env.SPIN_IMAGE ?? 'spin:local';
const NODE_MAJOR = process.versions.node.split('.')[0];
const BASE = process.env.SPIN_BASE_IMAGE ?? `spin-base/node:${NODE_MAJOR}`;

/** Why the image cannot be built on this machine, or undefined when it can. */
function cannotBuild(): string | undefined {
  if (process.env.SPIN_BASE_IMAGE) return undefined;
  const hasDebootstrap = ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].some((p) => existsSync(p));
  const root = process.getuid?.() === 0;
  let baseImage = false;
  try {
    // Synchronous on purpose: decides whether the suite is collected at all.
    execFileSync(dockerBin, ['image', 'inspect', BASE], { stdio: 'ignore', timeout: 30_000 });
    baseImage = true;
  } catch {
    baseImage = false;
  }
  if (baseImage || (hasDebootstrap && root)) return undefined;
  return `the image cannot be built here: no base image ${BASE}, and ${hasDebootstrap ? 'not root' : 'no debootstrap (apt-get install debootstrap)'}`;
}

const skipReason = cannotBuild();
if (skipReason) console.warn(`[image.test] skipped: ${skipReason}`);

const SECRET_VALUE = `image-secret-${randomBytes(6).toString('hex')}`;
const STACK = `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    stop_grace_period: 1s
    secrets: [db]
    configs: [app.conf]
    volumes:
      - ./site/index.txt:/srv/index.txt:ro
    deploy: { ${LIMITS} }
${HARDENING}secrets:
  db: {}
configs:
  app.conf: { file: ./conf/app.conf }
`;

let f: ProjectFixture;
let runtimeDir: string;
let apiPort: number;
const containers: string[] = [];

async function dockerCli(args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return execFileP(dockerBin, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
}

/** A port free on loopback now (the container shares the host network). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `docker run` of the image as the README shows it, but on the host network (the test's git
 * server listens on 127.0.0.1) and with a fast health interval (the image's is 30 s).
 */
function runArgs(name: string, mounts: string[]): string[] {
  return [
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    ...mounts.flatMap((m) => ['-v', m]),
    '-v',
    `${f.configFile}:/etc/spin/spin.yaml:ro`,
    '-e',
    `SPIN_HEALTH_URL=http://127.0.0.1:${apiPort}/healthz`,
    '--health-interval',
    '2s',
    '--health-start-period',
    '2s',
    IMAGE,
  ];
}

const inspectState = async (name: string) => (await docker().getContainer(name).inspect()).State;

describe.skipIf(skipReason !== undefined)('the container image', () => {
  beforeAll(async () => {
    await requireDocker();
    // Builds the base only when missing (minutes, once per machine), then the image from this
    // checkout (dist, production node_modules, native module), so it never tests stale code.
    await execFileP('bash', ['scripts/build-image.sh'], {
      cwd: repoRoot,
      timeout: 40 * 60_000,
      env: { ...process.env, SPIN_IMAGE: IMAGE },
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`scripts/build-image.sh failed: ${err.stderr ?? ''}${err.message}`, { cause: err });
    });
    f = await projectFixture('image');
    runtimeDir = path.join(f.tmp, 'run');
    await mkdir(runtimeDir, { recursive: true });
    await mkdir(f.config.stateDir, { recursive: true });
    apiPort = await freePort();
    await f.writeConfig({
      ...f.config,
      api: { listen: `127.0.0.1:${apiPort}` },
      secrets: { runtimeDir },
    });
  }, 45 * 60_000);

  afterAll(async () => {
    for (const name of containers) await dockerCli(['rm', '-f', name]).catch(() => {});
    await f?.cleanup();
  });

  it('carries OCI labels, a HEALTHCHECK and the /var/lib/spin state default', async () => {
    const info = await docker().getImage(IMAGE).inspect();
    const labels = info.Config.Labels ?? {};
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'spin',
      'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    expect(labels['org.opencontainers.image.base.name']).toBe(BASE);
    expect(info.Config.Healthcheck?.Test?.join(' ')).toContain('SPIN_HEALTH_URL');
    expect(info.Config.Env).toContain('SPIN_STATE_DIR=/var/lib/spin');
    const version = await dockerCli(['run', '--rm', IMAGE, 'version']);
    expect(version.stdout).toContain(
      `spin ${pkg.version} (revision ${labels['org.opencontainers.image.revision']})`,
    );
  });

  it('refuses to start when stateDir and runtimeDir are not mounted at the same host paths', async () => {
    const name = `spin-image-refuse-${randomBytes(4).toString('hex')}`;
    containers.push(name);
    // stateDir from another host path, runtimeDir not mounted at all.
    const elsewhere = path.join(f.tmp, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await dockerCli(runArgs(name, [`${elsewhere}:${f.config.stateDir}`]));
    const state = await waitFor(() => inspectState(name), {
      until: (s) => s.Status === 'exited',
      timeoutMs: 60_000,
      description: 'the refusing container exited',
    });
    expect(state.ExitCode).toBe(2);
    const { stdout, stderr } = await dockerCli(['logs', name]);
    const said = stdout + stderr;
    expect(said).toContain(`stateDir ${f.config.stateDir} is bind-mounted from the host path ${elsewhere}`);
    expect(said).toContain(`secrets.runtimeDir ${runtimeDir} is not mounted from the host`);
    expect(said).toContain(`-v ${runtimeDir}:${runtimeDir}`);
    // Nothing was deployed from it.
    expect(await listProjectContainers(f.project)).toEqual([]);
  });

  it('deploys a stack with a secret, a config and a repository file bind, then stops cleanly', async () => {
    const set = await runSpin(['secret', 'set', f.project, 'db', '--config', f.configFile], {
      input: SECRET_VALUE,
    });
    expect(set.code, set.stderr).toBe(0);
    const sha = await f.push(
      {
        'compose.yaml': STACK,
        'conf/app.conf': 'mode=image\n',
        'site/index.txt': 'served from the repository\n',
      },
      'a stack with a secret, a config and a bind',
    );

    const name = `spin-image-${randomBytes(4).toString('hex')}`;
    containers.push(name);
    const same = (dir: string) => `${dir}:${dir}`;
    await dockerCli(runArgs(name, [same(f.config.stateDir), same(runtimeDir)]));

    // `spin status` on the host reads the stateDir the containerised daemon writes: same path.
    const status = await f.waitStatus(
      (s) => s.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      'the stack deployed by the containerised daemon',
      180_000,
    );
    expect(status.lastError).toBeFalsy();
    const app = `${f.project}_app_1`;
    expect((await execIn(app, ['cat', '/run/secrets/db'])).stdout).toBe(SECRET_VALUE);
    expect((await execIn(app, ['cat', '/app.conf'])).stdout).toBe('mode=image\n');
    expect((await execIn(app, ['cat', '/srv/index.txt'])).stdout).toBe('served from the repository\n');

    // The native module works in the image: the history store answers through the API.
    const history = await fetch(`http://127.0.0.1:${apiPort}/readyz`);
    expect(await history.json()).toMatchObject({ status: 'ready', engine: 'ok', store: 'ok' });

    const healthy = await waitFor(() => inspectState(name), {
      until: (s) => s.Health?.Status === 'healthy',
      timeoutMs: 90_000,
      description: 'the image HEALTHCHECK reports healthy',
    });
    expect(healthy.Running).toBe(true);

    await dockerCli(['stop', '-t', '120', name], 180_000);
    const stopped = await inspectState(name);
    expect(stopped.Status).toBe('exited');
    expect(stopped.ExitCode).toBe(0);
    const { stdout } = await dockerCli(['logs', name]);
    expect(stdout).toContain('"signal":"SIGTERM"');
    expect(stdout).not.toContain(SECRET_VALUE);
    // The stack outlives the daemon.
    expect((await inspectState(app)).Running).toBe(true);
  });
});
