/**
 * Helpers over the real Docker engine (dockerode) for integration tests. Every test uses its own
 * project name (`uniqueProject`) and removes what it created with `removeProject` in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import Docker from 'dockerode';

let instance: Docker | undefined;

/** The shared dockerode client (DOCKER_HOST, else the local socket). */
export function docker(): Docker {
  instance ??= new Docker();
  return instance;
}

/** `t-<prefix>-<random6>`: a valid, unique Spin project name ([a-z0-9-]). */
export function uniqueProject(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 24)
    .replace(/-$/, '');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const random = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return clean ? `t-${clean}-${random}` : `t-${random}`;
}

export interface ProjectContainer {
  id: string;
  /** Without the leading slash, e.g. `t-web-ab12cd_web_1`. */
  name: string;
  /** Engine state: created, running, exited, restarting, paused, dead. */
  state: string;
  /** Human status, e.g. `Up 3 seconds`. */
  status: string;
  image: string;
  labels: Record<string, string>;
}

/** All containers (running or not) labelled `spin.project=<project>`, sorted by name. */
export async function listProjectContainers(project: string): Promise<ProjectContainer[]> {
  const list = await docker().listContainers({ all: true, filters: { label: [`spin.project=${project}`] } });
  return list
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      state: c.State,
      status: c.Status,
      image: c.Image,
      labels: c.Labels ?? {},
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err
    ? (err as { statusCode?: number }).statusCode
    : undefined;
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (statusCode(err) !== 404) throw err;
  }
}

/**
 * Force-removes every container, network and volume labelled `spin.project=<project>`
 * (containers with their anonymous volumes). Safe to call when nothing exists.
 */
export async function removeProject(
  project: string,
): Promise<{ containers: number; networks: number; volumes: number }> {
  const d = docker();
  const label = [`spin.project=${project}`];

  const containers = await d.listContainers({ all: true, filters: { label } });
  await Promise.all(
    containers.map((c) => ignoreNotFound(d.getContainer(c.Id).remove({ force: true, v: true }))),
  );

  const networks = await d.listNetworks({ filters: { label } });
  for (const n of networks) {
    const network = d.getNetwork(n.Id);
    // Disconnect anything else still attached (e.g. a container a test started by hand).
    try {
      const info = (await network.inspect()) as { Containers?: Record<string, unknown> };
      for (const id of Object.keys(info.Containers ?? {})) {
        await ignoreNotFound(network.disconnect({ Container: id, Force: true }));
      }
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
    await removeNetworkPatiently(network);
  }

  const { Volumes: volumes } = await d.listVolumes({ filters: { label } });
  for (const v of volumes ?? []) {
    await ignoreNotFound(d.getVolume(v.Name).remove({ force: true }));
  }

  return { containers: containers.length, networks: networks.length, volumes: (volumes ?? []).length };
}

export interface WaitForOptions<T> {
  /** Default 30 000. */
  timeoutMs?: number;
  /** Default 200. */
  intervalMs?: number;
  /** Done when this returns true; default: the value is truthy. */
  until?: (value: T) => boolean;
  /** Included in the timeout error, e.g. "web container running". */
  description?: string;
}

/**
 * Polls `fn` until its value satisfies `until` (default: truthy) and resolves to that value.
 * A throwing `fn` counts as "not yet". On timeout, throws with the last observed value or error.
 */
/** `SPIN_TEST_DEADLINE_FACTOR` (default 2) multiplies every waitFor deadline. */
const DEADLINE_FACTOR = Number(process.env.SPIN_TEST_DEADLINE_FACTOR) || 2;

/** A deadline stretched like waitFor's, for `expect.poll` and other waits that end on a condition. */
export const stretch = (ms: number): number => ms * DEADLINE_FACTOR;

export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitForOptions<T> = {}): Promise<T> {
  // Every deadline stretched alike: a wait ends as soon as its condition holds, so a long deadline
  // costs nothing on a quiet machine and keeps a loaded one (CI beside dockerd and git on 2 cores,
  // load averages of 15-20 seen) from failing a test that is only slow.
  const timeoutMs = stretch(opts.timeoutMs ?? 30_000);
  const intervalMs = opts.intervalMs ?? 200;
  const until = opts.until ?? ((v: T) => Boolean(v));
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await fn();
      if (until(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
  const what = opts.description ? ` for ${opts.description}` : '';
  const observed =
    last === undefined
      ? 'nothing'
      : 'error' in last
        ? `error: ${last.error instanceof Error ? last.error.message : inspect(last.error)}`
        : `value: ${inspect(last.value, { depth: 6, breakLength: 120 })}`;
  throw new Error(`waitFor${what} timed out after ${timeoutMs} ms; last ${observed}`);
}

/** Throws (never skips) when the Docker engine does not answer. */
export async function requireDocker(): Promise<void> {
  const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  try {
    await Promise.race([
      docker().ping(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('ping timed out after 10 s')), 10_000).unref(),
      ),
    ]);
  } catch (err) {
    throw new Error(
      `Docker engine not reachable at ${where}: run scripts/setup.sh (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
}

/** The host port the engine published for `containerPort/tcp` of a container (by id or name). */
export async function hostPort(container: string, containerPort: number): Promise<number> {
  const info = await docker().getContainer(container).inspect();
  const bindings = info.NetworkSettings.Ports?.[`${containerPort}/tcp`];
  const port = bindings?.[0]?.HostPort;
  if (!port) throw new Error(`container ${container}: port ${containerPort}/tcp is not published`);
  return Number(port);
}

/** Runs a command in a running container and returns its stdout (demultiplexed) and exit code. */
export async function execIn(
  container: string,
  cmd: string[],
): Promise<{ stdout: string; exitCode: number }> {
  const exec = await docker()
    .getContainer(container)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const { PassThrough } = await import('node:stream');
  const stdout = new PassThrough();
  stdout.on('data', (c: Buffer) => chunks.push(c));
  docker().modem.demuxStream(stream, stdout, new PassThrough());
  await new Promise<void>((resolve) => stream.on('end', () => resolve()));
  const info = await exec.inspect();
  return { stdout: Buffer.concat(chunks).toString(), exitCode: info.ExitCode ?? -1 };
}

/** One event of the engine's stream, as the API sends it (the fields tests read). */
export interface RawEngineEvent {
  Action: string;
  id?: string;
  timeNano: number;
  Actor?: { ID?: string; Attributes?: { name?: string } };
}

/** Calls `onEvent` for each event of an engine event stream (one JSON object a line). */
export function onEventLines(stream: NodeJS.ReadableStream, onEvent: (event: RawEngineEvent) => void): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      onEvent(JSON.parse(line) as RawEngineEvent);
    }
  });
}

/** Counts engine events about a project's containers while `during` runs (engine writes show up here). */
export async function countContainerEvents(project: string, during: () => Promise<void>): Promise<string[]> {
  const stream = await docker().getEvents({
    filters: { type: ['container'], label: [`spin.project=${project}`] },
  });
  const seen: string[] = [];
  onEventLines(stream, (event) => {
    // exec_* and health_status come from healthchecks and tests, not from Spin writing.
    if (!event.Action.startsWith('exec_') && !event.Action.startsWith('health_status')) {
      seen.push(`${event.Action} ${event.Actor?.Attributes?.name ?? ''}`);
    }
  });
  try {
    await during();
  } finally {
    (stream as unknown as { destroy(): void }).destroy();
  }
  return seen;
}

/**
 * Engine 20.10 can keep a stale endpoint on a network after a container was force-removed while
 * it was being started (the crash tests kill the daemon at such moments); the network then
 * refuses removal until dockerd restarts. Retry briefly, then leave it with a warning: a test's
 * clean-up must not fail the suite (global setup sweeps leftovers on the next run).
 */
async function removeNetworkPatiently(network: Docker.Network): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ignoreNotFound(network.remove());
      return;
    } catch (err) {
      if (!/active endpoints/.test(String((err as Error).message)) || attempt >= 5) {
        console.warn(`could not remove network ${network.id}: ${(err as Error).message}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** A test project none of whose objects is younger than this is a leftover, not a running test. */
const LEFTOVER_AGE_MS = 30 * 60_000;

/**
 * Removes everything test projects (`t-*`) left on the engine in earlier runs. Only projects
 * whose every container, network and volume is older than LEFTOVER_AGE_MS: another test run on
 * the same engine (or a `vitest run` of one file beside a full run) keeps its projects.
 */
export async function sweepTestLeftovers(now = Date.now()): Promise<number> {
  const d = docker();
  const managed = { label: ['spin.managed=true'] };
  const newest = new Map<string, number>();
  const seen = (project: string | undefined, createdMs: number) => {
    if (!project?.startsWith('t-')) return;
    newest.set(project, Math.max(newest.get(project) ?? 0, Number.isFinite(createdMs) ? createdMs : now));
  };
  for (const c of await d.listContainers({ all: true, filters: managed }))
    seen(c.Labels['spin.project'], c.Created * 1000);
  for (const n of await d.listNetworks({ filters: managed }))
    seen(n.Labels?.['spin.project'], Date.parse(n.Created));
  for (const v of (await d.listVolumes({ filters: managed })).Volumes ?? [])
    seen(v.Labels?.['spin.project'], Date.parse((v as { CreatedAt?: string }).CreatedAt ?? ''));
  const stale = [...newest].filter(([, created]) => now - created > LEFTOVER_AGE_MS).map(([p]) => p);
  for (const project of stale) await removeProject(project);
  return stale.length;
}
