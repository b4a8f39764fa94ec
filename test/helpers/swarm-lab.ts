import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/swarm-lab.sh');

/** A real two-node Swarm (scripts/swarm-lab.sh): two dockerds in network namespaces. */
export interface SwarmLab {
  name: string;
  /** `unix://...` of the manager's socket (what Spin's config names). */
  manager: string;
  worker: string;
  managerDocker: Docker;
  workerDocker: Docker;
  /** Node id of the worker (labelled `spin-lab.tier=worker`; the manager `manager`). */
  workerNodeId: string;
  managerNodeId: string;
  /** The nodes' network namespaces (`/var/run/netns/...`), manager first. */
  netns: string[];
  /** Stops the worker's dockerd, as a node going away (the manager notices by its heartbeat). */
  stopWorker(): Promise<void>;
  down(): Promise<void>;
}

/**
 * Starts a lab with a name unique to this run (start once per test file; `down` in afterAll).
 * Never touches the host's engine beyond `docker save` of the test images.
 */
export async function startSwarmLab(prefix: string): Promise<SwarmLab> {
  const name = `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 12)}-${randomBytes(3).toString('hex')}`;
  const down = async () => {
    await run('bash', [SCRIPT, 'down', name], { timeout: 120_000 });
  };
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [SCRIPT, 'up', name], { timeout: 300_000 }));
  } catch (err) {
    await down().catch(() => {});
    throw err;
  }
  const env = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const manager = env.SWARM_MANAGER ?? '';
  const worker = env.SWARM_WORKER ?? '';
  const managerDocker = new Docker({ socketPath: manager.replace('unix://', '') });
  const workerDocker = new Docker({ socketPath: worker.replace('unix://', '') });
  const nodeId = async (d: Docker) => ((await d.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
  return {
    name,
    manager,
    worker,
    managerDocker,
    workerDocker,
    managerNodeId: await nodeId(managerDocker),
    workerNodeId: await nodeId(workerDocker),
    netns: await labNamespaces(name),
    stopWorker: async () => {
      await run('bash', [SCRIPT, 'stop-worker', name], { timeout: 120_000 });
    },
    down,
  };
}

/** The namespace names scripts/swarm-lab.sh derives from NAME (`spinsw-<tag>-m|w`, tag from cksum). */
async function labNamespaces(name: string): Promise<string[]> {
  const { stdout } = await run('sh', ['-c', 'printf "%s" "$1" | cksum', 'sh', name]);
  const tag = (Number(stdout.trim().split(/\s+/)[0]) % 16777216).toString(16).padStart(6, '0');
  return ['m', 'w'].map((node) => `/var/run/netns/spinsw-${tag}-${node}`);
}
