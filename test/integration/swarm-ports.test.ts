import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/docker.js';
import { WEB_IMAGE } from '../helpers/images.js';
import { LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startSwarmLab, type SwarmLab } from '../helpers/swarm-lab.js';
import { projectServices, stopSwarmFixture, swarmConfig } from '../helpers/swarm-fixture.js';

/**
 * A port published with the long syntax's `mode: host` on a real two-node Swarm: the service's
 * endpoint says PublishMode host, and the port answers on the node that runs the task, not on
 * the other node (no routing mesh; this machine's kernel has no IPVS for the mesh anyway). The
 * port policy holds as for any published port: a port outside the allowed ranges is refused.
 * Traffic goes only between the lab's own network namespaces.
 */
const execFileP = promisify(execFile);
let lab: SwarmLab;
let f: ProjectFixture;
const PORT = 20_000 + Math.floor(Math.random() * 10_000);

const stack = (port: number) => `
services:
  web:
    image: ${WEB_IMAGE}
    ports:
      - { target: 8080, published: ${port}, mode: host }
    deploy:
      replicas: 1
      placement: { constraints: ["node.labels.spin-lab.tier == worker"] }
      ${LIMITS}
    stop_grace_period: 1s
    cap_drop: [ALL]
`;

/** An HTTP GET from inside the manager's namespace (Node's fetch), or the error it gave. */
async function getFromManager(url: string): Promise<string> {
  const script =
    'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => r.text())' +
    '.then((t) => process.stdout.write(t), (e) => { console.error(e.message); process.exit(1); })';
  try {
    const { stdout } = await execFileP('nsenter', [
      `--net=${lab.netns[0]}`,
      process.execPath,
      '-e',
      script,
      url,
    ]);
    return stdout;
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

async function nodeAddr(id: string): Promise<string> {
  const node = (await lab.managerDocker.getNode(id).inspect()) as { Status?: { Addr?: string } };
  return node.Status?.Addr ?? '';
}

beforeAll(async () => {
  lab = await startSwarmLab('swport');
  f = await projectFixture('swport', {
    project: { policy: 'swarm' },
    config: swarmConfig(lab, {
      isolation: { placement: ['node.labels.spin-lab.tier'] },
      network: { portRanges: ['20000-29999'] },
    }),
  });
}, 360_000);

afterAll(async () => {
  await stopSwarmFixture(f, lab);
}, 180_000);

describe('published ports on a Swarm', () => {
  it('mode: host publishes on the node that runs the task only', async () => {
    const commit = await f.push({ 'compose.yaml': stack(PORT) }, 'host-mode port');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.appliedCommit === commit && s.health === 'Healthy',
      'host-mode service deployed',
      180_000,
    );
    const [web] = await projectServices(lab.managerDocker, f.project);
    expect(web?.Endpoint?.Spec?.Ports ?? web?.Spec?.EndpointSpec?.Ports).toEqual([
      expect.objectContaining({ TargetPort: 8080, PublishedPort: PORT, PublishMode: 'host' }),
    ]);
    const worker = await nodeAddr(lab.workerNodeId);
    const manager = await nodeAddr(lab.managerNodeId);
    expect(worker).not.toBe('');
    const page = await waitFor(() => getFromManager(`http://${worker}:${PORT}/`), {
      until: (body) => body.includes('spin-test web v1'),
      timeoutMs: 60_000,
      description: `the worker answers on ${PORT}`,
    });
    expect(page).toContain('spin-test web v1');
    // No routing mesh: the manager, which runs no task of the service, does not listen.
    expect(await getFromManager(`http://${manager}:${PORT}/`)).toMatch(/^failed/);
  }, 300_000);

  it('holds a host-mode port to the port policy like any published port', async () => {
    const refused = await f.push({ 'compose.yaml': stack(8081) }, 'port outside the ranges');
    const status = await f.waitStatus((s) => s.refusedCommit === refused, 'the commit refused', 120_000);
    expect(status.lastError?.message).toMatch(/ports\.range/);
    expect(status.lastError?.message).toMatch(/compose\.yaml:\d+:\d+/);
    // What runs is untouched.
    const [web] = await projectServices(lab.managerDocker, f.project);
    expect(web?.Spec?.EndpointSpec?.Ports?.[0]?.PublishedPort).toBe(PORT);
  }, 180_000);
});
