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

export interface StartWatch {
  /** performance.now() when the `count`-th distinct container whose labels pass `match` started. */
  until(
    match: (labels: Record<string, string>) => boolean,
    count: number,
    timeoutMs: number,
  ): Promise<number>;
  close(): void;
}

/**
 * Container `start` events with `label`, from the engine's event stream, each with the moment it
 * arrived. The clock for a deploy without polling the engine: a 25 ms list loop would load the
 * engine it measures (about 130 filtered lists during one Spin deploy, none during compose's).
 */
export async function watchStarts(label: string): Promise<StartWatch> {
  const stream = (await engine().getEvents({
    filters: { type: ['container'], event: ['start'], label: [label] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const starts: { id: string; labels: Record<string, string>; atPerf: number }[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    const atPerf = performance.now();
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      const event = JSON.parse(line) as {
        id?: string;
        Actor?: { ID: string; Attributes?: Record<string, string> };
      };
      starts.push({ id: event.Actor?.ID ?? event.id ?? '', labels: event.Actor?.Attributes ?? {}, atPerf });
    }
    for (const wake of waiters) wake();
  });
  return {
    until: (match, count, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const seen = new Map<string, number>();
          for (const s of starts) if (match(s.labels) && !seen.has(s.id)) seen.set(s.id, s.atPerf);
          if (seen.size < count) return;
          cleanup();
          resolve([...seen.values()].sort((a, b) => a - b)[count - 1] as number);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${count} container starts (${label})`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => stream.destroy(),
  };
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
  return timedCommand(COMPOSE, ['--no-ansi', '-p', project, '-f', file, ...args], {
    timeDir: path.dirname(file),
    env: { COMPOSE_INTERACTIVE_NO_CLI: '1', ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}) },
  });
}

/**
 * Runs a command under /usr/bin/time: wall time, and the user + system CPU of the process and
 * its children. Throws, with its stderr, when it exits non-zero.
 */
export async function timedCommand(
  command: string,
  args: string[],
  opts: { timeDir: string; cwd?: string; env?: Record<string, string> },
): Promise<ComposeRun> {
  const timeFile = path.join(opts.timeDir, `.time-${process.hrtime.bigint()}`);
  const started = nowMs();
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, command, ...args], {
      cwd: opts.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
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
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  return { wallMs, cpuMs, stderr };
}

/** Removes a compose project's containers and networks straight through the engine (fast, no compose). */
export function removeComposeProject(project: string): Promise<number> {
  return removeLabelled(`com.docker.compose.project=${project}`);
}
