/**
 * The last gate on the real engine (issue #12): a commit whose volume bind-mounts a host folder
 * through `driver_opts` (tmpfs + `o: bind`) is refused and never reaches dockerd; limits that mean
 * "unlimited", a log driver with an address and `ro,rw` are refused and leave the running
 * containers as they were.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, listProjectContainers } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';

let f: ProjectFixture;
let good: string;
let markerDir: string;
const SECRET = 'host-only-marker-7f3a';

const service = (extra = '', limits = 'memory: 16m, cpus: "0.1"') => `services:
  app:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    deploy: { resources: { limits: { ${limits} } } }
${HARDENING}${extra}`;

beforeAll(async () => {
  f = await projectFixture('lastgate');
  markerDir = path.join(f.tmp, 'host-folder');
  await mkdir(markerDir, { recursive: true });
  await writeFile(path.join(markerDir, 'marker'), SECRET);
  // A read-only repository file: the driver's own gate sees its real path under stateDir/checkouts.
  good = await f.push(
    { 'compose.yaml': service('    volumes: ["./f.conf:/f.conf:ro"]\n'), 'f.conf': 'x = 1\n' },
    'good',
  );
  await f.startDaemon();
  await f.waitStatus((s) => s.appliedCommit === good && s.health === 'Healthy', 'good commit deployed');
});
afterAll(() => f?.cleanup());

/** Runs busybox with `mounts`, returns what `cat /leak/marker` printed (stdout + stderr) and removes it. */
async function readThrough(volume: string): Promise<string> {
  const container = await docker().createContainer({
    Image: BUSYBOX_IMAGE,
    Cmd: ['sh', '-c', 'cat /leak/marker 2>&1; true'],
    Labels: { 'spin.project': f.project },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/leak' }] },
  });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: true });
    return logs.toString('utf8');
  } finally {
    await container.remove({ force: true });
  }
}

async function snapshot(): Promise<string[]> {
  const list = await listProjectContainers(f.project);
  return Promise.all(
    list.map(async (c) => `${c.id} ${(await docker().getContainer(c.id).inspect()).State.StartedAt}`),
  );
}

describe('the last gate end to end', () => {
  it('refuses a volume that would bind a host folder, and nothing of it reaches the engine', async () => {
    const before = await snapshot();
    const hostile = await f.push(
      {
        'compose.yaml': `${service(`    volumes: ["leak:/leak"]
  reader:
    image: ${BUSYBOX_IMAGE}
    command: ["sh", "-c", "cat /leak/marker; sleep 3600"]
    deploy: { resources: { limits: { memory: 16m, cpus: "0.1" } } }
    volumes: ["leak:/leak"]
${HARDENING}`)}volumes:
  leak:
    driver_opts: { type: TMPFS, o: "size=1m,bind", device: "${markerDir}" }
`,
      },
      'tmpfs bind trick',
    );
    const status = await f.waitStatus((s) => s.refusedCommit === hostile, 'hostile commit refused');
    expect(status.lastError?.reason).toBe('InvalidCommit');
    expect(status.appliedCommit).toBe(good);
    const rules = (status.lastError?.diagnostics ?? []).map((d) => `${d.rule}@${d.path}`);
    expect(rules).toContain('mounts.volume-options@volumes.leak.driver_opts.type');

    const volumeName = `${f.project}_leak`;
    const volumes = (await docker().listVolumes()).Volumes ?? [];
    expect(volumes.map((v) => v.Name)).not.toContain(volumeName);
    const all = await docker().listContainers({
      all: true,
      filters: { label: [`spin.project=${f.project}`] },
    });
    expect(all.map((c) => c.Labels['spin.service'])).toEqual(['app']);
    expect(await snapshot()).toEqual(before);

    // The control: the same volume made by hand (not through Spin) does expose the host folder on
    // this engine, so the refusal above is what kept the marker out of the project's containers.
    const control = `${f.project}_control`;
    await docker().createVolume({
      Name: control,
      DriverOpts: { type: 'TMPFS', o: 'size=1m,bind', device: markerDir },
    });
    try {
      expect(await readThrough(control)).toContain(SECRET);
    } finally {
      await docker()
        .getVolume(control)
        .remove()
        .catch(() => {});
    }

    // Whatever takes that volume name now gets an empty volume, not the host's folder.
    try {
      const seen = await readThrough(volumeName);
      expect(seen).not.toContain(SECRET);
      expect(seen).toMatch(/No such file/);
    } finally {
      await docker()
        .getVolume(volumeName)
        .remove()
        .catch(() => {});
    }
  });

  it('refuses limits that mean unlimited, an addressed log driver and ro,rw, leaving the containers untouched', async () => {
    const before = await snapshot();
    const variants: [string, string, string][] = [
      ['memory "0.5"', service('', 'memory: "0.5", cpus: "0.1"'), 'resources.memory-minimum'],
      ['cpus rounding to 0', service('', 'memory: 16m, cpus: "0.0000000001"'), 'resources.cpu-minimum'],
      ['pids_limit -1', service('    pids_limit: -1\n'), 'resources.pids'],
      [
        'syslog to host loopback',
        service('    logging: { driver: syslog, options: { syslog-address: "udp://127.0.0.1:514" } }\n'),
        'logging.driver',
      ],
      ['ro,rw', service('    volumes: ["./f.conf:/f.conf:ro,rw"]\n'), 'mounts.repo-writable'],
    ];
    for (const [message, yaml, rule] of variants) {
      const commit = await f.push({ 'compose.yaml': yaml, 'f.conf': 'x = 1\n' }, message);
      const status = await f.waitStatus((s) => s.refusedCommit === commit, `${message} refused`);
      expect((status.lastError?.diagnostics ?? []).map((d) => d.rule)).toContain(rule);
      expect(status.appliedCommit).toBe(good);
    }
    // Still the same containers, never restarted.
    expect(await snapshot()).toEqual(before);
  });
});
