/**
 * A second Docker engine for tests, beside the host's: its own dockerd in its own network
 * namespace, joined to the host by a veth pair, listening on a unix socket (for loading images)
 * and on TCP with `--tlsverify` and certificates made here by openssl. Everything it makes is
 * named per run and removed by `remove()`: dockerd stopped, namespace, veth pair and folder gone.
 * It never touches the host engine or its config.
 *
 * `nsenter --net=/var/run/netns/N`, not `ip netns exec N`: the latter remounts /sys, which
 * dockerd needs as the host's.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './docker.js';
import { TEST_IMAGES } from './images.js';

const execFileP = promisify(execFile);
const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const PORT = 2376;

/** PEM file paths of one client identity. */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface ExtraEngine {
  /** Unique per run, e.g. `spinxe-ab12cd`: the namespace's name. */
  name: string;
  dir: string;
  /** unix:///.../docker.sock, reachable from the host (no TLS). */
  socket: string;
  /** tcp://10.x.y.2:2376, TLS only. */
  tcp: string;
  /** A client certificate the engine accepts, and the CA that signed the engine's certificate. */
  tls: ClientTls;
  /** A client certificate signed by another CA: the engine must refuse it. */
  otherCaClient: ClientTls;
  /** Stops dockerd (its containers stop with it); the namespace and files stay. */
  stop(): Promise<void>;
  /** Starts dockerd again on the same data (after `stop`). */
  start(): Promise<void>;
  /** `docker -H <unix socket> ARGS...`. */
  docker(args: string[]): Promise<string>;
  /** Stops everything and removes what `startExtraEngine` made. Safe to call twice. */
  remove(): Promise<void>;
}

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  const { stdout } = await execFileP(command, args, { cwd, timeout: 120_000, maxBuffer: 16 * 1024 ** 2 });
  return stdout;
}

async function tryRun(command: string, args: string[]): Promise<void> {
  await run(command, args).catch(() => {});
}

/** A CA, the engine's certificate for `ip`, a client certificate, and one from a second CA. */
async function makeCertificates(dir: string, ip: string): Promise<void> {
  const ssl = (args: string[]) => run('openssl', args, dir);
  for (const ca of ['ca', 'other-ca']) {
    await ssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=spin-test-${ca}`].concat([
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.pem`,
      ]),
    );
  }
  const sign = async (name: string, ca: string, ext: string) => {
    await writeFile(path.join(dir, `${name}.ext`), ext);
    await ssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]);
    await ssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.pem`,
        '-CAkey',
        `${ca}.key`,
        '-CAcreateserial',
      ].concat(['-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`]),
    );
  };
  await sign('server', 'ca', `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  await sign('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  await sign('other-client', 'other-ca', 'extendedKeyUsage=clientAuth\n');
}

/**
 * Starts the engine and loads the test images into it (`docker save | docker load`). About
 * 10-30 s on a loaded machine. Call `remove()` in afterAll, also when this throws half-way.
 */
export async function startExtraEngine(): Promise<ExtraEngine> {
  const id = randomBytes(3).toString('hex');
  const name = `spinxe-${id}`;
  // A /30 at random in 10.240.0.0/12: two runs (or another engineer's lab) rarely pick the same.
  const a = 240 + ((randomBytes(1)[0] as number) % 16);
  const b = randomBytes(1)[0] as number;
  const c = ((randomBytes(1)[0] as number) % 64) * 4;
  const hostIp = `10.${a}.${b}.${c + 1}`;
  const engineIp = `10.${a}.${b}.${c + 2}`;
  const hostVeth = `vxe${id}h`;
  const innerVeth = `vxe${id}n`;
  // Short: containerd's socket under exec-root must fit a unix socket path (108 bytes).
  const dir = path.join('/tmp', name);
  const certs = path.join(dir, 'certs');
  const socketPath = path.join(dir, 'docker.sock');
  const pidFile = path.join(dir, 'dockerd.pid');
  let made = { netns: false, veth: false };

  const docker = (args: string[]) => run(DOCKER, ['-H', `unix://${socketPath}`, ...args]);

  const engine: ExtraEngine = {
    name,
    dir,
    socket: `unix://${socketPath}`,
    tcp: `tcp://${engineIp}:${PORT}`,
    tls: {
      ca: path.join(certs, 'ca.pem'),
      cert: path.join(certs, 'client.pem'),
      key: path.join(certs, 'client.key'),
    },
    otherCaClient: {
      ca: path.join(certs, 'ca.pem'),
      cert: path.join(certs, 'other-client.pem'),
      key: path.join(certs, 'other-client.key'),
    },
    docker,
    async start() {
      // Run through a link with another name: `pgrep -x dockerd` (scripts/start-dockerd.sh,
      // which starts the host engine) must not take this one for the host's.
      const binary = path.join(dir, 'spin-extra-dockerd');
      if (!existsSync(binary)) await symlink('/usr/sbin/dockerd', binary);
      const log = await open(path.join(dir, 'dockerd.log'), 'a');
      const child = spawn(
        'nsenter',
        [`--net=/var/run/netns/${name}`, binary]
          .concat(['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec')])
          .concat(['--pidfile', pidFile, '-H', `unix://${socketPath}`, '-H', `tcp://${engineIp}:${PORT}`])
          .concat(['--tlsverify', '--tlscacert', path.join(certs, 'ca.pem')])
          .concat(['--tlscert', path.join(certs, 'server.pem'), '--tlskey', path.join(certs, 'server.key')])
          // Its own bridges only (Spin makes one per project); no NAT rules anywhere.
          .concat(['--bridge', 'none', '--iptables=false', '--ip6tables=false']),
        { detached: true, stdio: ['ignore', log.fd, log.fd] },
      );
      child.unref();
      await log.close();
      await waitFor(
        () =>
          docker(['version', '--format', '{{.Server.Version}}']).then(
            () => true,
            () => false,
          ),
        {
          timeoutMs: 90_000,
          intervalMs: 500,
          description: `extra dockerd ${name} answering`,
        },
      );
    },
    async stop() {
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      if (!pid) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        { timeoutMs: 60_000, intervalMs: 300, description: `extra dockerd ${name} stopped` },
      ).catch(() => process.kill(pid, 'SIGKILL'));
    },
    async remove() {
      await engine.stop().catch(() => {});
      if (made.veth) await tryRun('ip', ['link', 'del', hostVeth]);
      if (made.netns) await tryRun('ip', ['netns', 'del', name]);
      made = { netns: false, veth: false };
      // What dockerd left mounted under its data root, if it was killed.
      await tryRun('sh', ['-c', `grep -o ' ${dir}/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };

  await mkdir(certs, { recursive: true });
  await makeCertificates(certs, engineIp);
  await run('ip', ['netns', 'add', name]);
  made.netns = true;
  await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', innerVeth]);
  made.veth = true;
  await run('ip', ['link', 'set', innerVeth, 'netns', name]);
  await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostVeth]);
  await run('ip', ['link', 'set', hostVeth, 'up']);
  const inside = (args: string[]) => run('nsenter', [`--net=/var/run/netns/${name}`, 'ip', ...args]);
  await inside(['addr', 'add', `${engineIp}/30`, 'dev', innerVeth]);
  await inside(['link', 'set', innerVeth, 'up']);
  await inside(['link', 'set', 'lo', 'up']);
  await engine.start();
  await run('sh', ['-c', `${DOCKER} save ${TEST_IMAGES.join(' ')} | ${DOCKER} -H unix://${socketPath} load`]);
  return engine;
}
