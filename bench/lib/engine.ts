/** The Docker engine as the benchmarks observe it, and docker-compose 1.29 as the baseline runs it. */
import { execFile, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { connectDocker } from '../../src/drivers/docker/connect.js';
import { mapLimit, nowMs } from './util.js';

const execFileP = promisify(execFile);

let client: Docker | undefined;

export function engine(): Docker {
  client ??= connectDocker();
  return client;
}

export interface RunningContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Running containers carrying every label in `labels` (one list call). */
export async function runningWith(labels: string[]): Promise<RunningContainer[]> {
  const list = await engine().listContainers({ filters: { label: labels, status: ['running'] } });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    labels: c.Labels ?? {},
  }));
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err
    ? (err as { statusCode?: number }).statusCode
    : undefined;
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (statusCode(err) !== 404) throw err;
  }
}

/** Force-removes every container, then network and volume, with `label` (e.g. `spin.project=x`). */
export async function removeLabelled(label: string): Promise<number> {
  const d = engine();
  const containers = await d.listContainers({ all: true, filters: { label: [label] } });
  await mapLimit(containers, 8, (c) => ignoreMissing(d.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = await d.listNetworks({ filters: { label: [label] } });
  for (const n of networks) await ignoreMissing(d.getNetwork(n.Id).remove());
  const { Volumes: volumes } = await d.listVolumes({ filters: { label: [label] } });
  for (const v of volumes ?? []) await ignoreMissing(d.getVolume(v.Name).remove({ force: true }));
  return containers.length;
}

/** Removes everything of many Spin projects whose names start with `prefix` (containers in parallel). */
export async function removeSpinProjectsByPrefix(prefix: string): Promise<number> {
  const d = engine();
  const containers = (
    await d.listContainers({ all: true, filters: { label: ['spin.managed=true'] } })
  ).filter((c) => (c.Labels?.['spin.project'] ?? '').startsWith(prefix));
  await mapLimit(containers, 8, (c) => ignoreMissing(d.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = (await d.listNetworks({ filters: { label: ['spin.managed=true'] } })).filter((n) =>
    (n.Labels?.['spin.project'] ?? '').startsWith(prefix),
  );
  for (const n of networks) await ignoreMissing(d.getNetwork(n.Id).remove());
  return containers.length;
}

export async function engineVersion(): Promise<string> {
  return (await engine().version()).Version;
}

// ---------------------------------------------------------------------------------------------
// docker-compose 1.29

export const COMPOSE = 'docker-compose';

/** Installs Debian's docker-compose 1.29 when it is missing (root, apt). */
export async function ensureCompose(): Promise<string> {
  const version = async () => (await execFileP(COMPOSE, ['version', '--short'])).stdout.trim();
  try {
    return await version();
  } catch {
    console.error('docker-compose missing: apt-get install -y docker-compose');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      await execFileP('apt-get', ['install', '-y', 'docker-compose'], { env, maxBuffer: 64 << 20 });
    } catch {
      await execFileP('apt-get', ['update'], { env, maxBuffer: 64 << 20 });
      await execFileP('apt-get', ['install', '-y', 'docker-compose'], { env, maxBuffer: 64 << 20 });
    }
    return version();
  }
}

export interface ComposeRun {
  wallMs: number;
  /** User + system CPU of the docker-compose process (from /usr/bin/time), ms. */
  cpuMs: number;
  stderr: string;
}

/** `docker-compose -p PROJECT -f FILE ARGS...`, timed; throws on a non-zero exit. */
export async function compose(
  project: string,
  file: string,
  args: string[],
  opts: { dockerHost?: string } = {},
): Promise<ComposeRun> {
  const timeFile = path.join(path.dirname(file), `.time-${project}-${process.hrtime.bigint()}`);
  const started = nowMs();
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%e %U %S', '-o', timeFile, COMPOSE, '--no-ansi', '-p', project, '-f', file, ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          COMPOSE_INTERACTIVE_NO_CLI: '1',
          ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}),
        },
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, stderr: err }));
  });
  const wallMs = nowMs() - started;
  let cpuMs = Number.NaN;
  try {
    const line = (await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '';
    const [, user, sys] = line.split(' ').map(Number);
    cpuMs = ((user ?? Number.NaN) + (sys ?? Number.NaN)) * 1000;
  } finally {
    await rm(timeFile, { force: true });
  }
  if (code !== 0)
    throw new Error(`docker-compose -p ${project} ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  return { wallMs, cpuMs, stderr };
}

/** Removes a compose project's containers and networks straight through the engine (fast, no compose). */
export function removeComposeProject(project: string): Promise<number> {
  return removeLabelled(`com.docker.compose.project=${project}`);
}
