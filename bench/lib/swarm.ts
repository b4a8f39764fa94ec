/**
 * The Swarm benchmarks' side of the two-node lab (test/helpers/swarm-lab.ts): the stack file both
 * Spin and `docker stack deploy` run, the convergence clock (the manager's service and task lists,
 * polled: the same observer, at the same rate, for both tools, since the 20.10 CLI cannot wait
 * for convergence itself), and the clean-up of one stack.
 */
import type Docker from 'dockerode';
import { CPU_LIMIT, MEMORY_LIMIT, SLEEPER_COMMAND, SLEEPER_IMAGE, serviceNames } from './stacks.js';
import { sleep } from './util.js';

/** The label both tools put on a stack's services and networks (Spin for `docker stack ls`). */
export const STACK_NAMESPACE = 'com.docker.stack.namespace';
/** How often the clock asks the manager (two list calls each time). */
const POLL_MS = 200;

/**
 * The daemon config of a Swarm engine at `host` (the lab's manager, or a proxy in front of it) and
 * the policy its projects use: the default policy less no-new-privileges, which a Swarm service
 * cannot carry on Engine API 1.41 (docs/engines.md), as in test/helpers/swarm-fixture.ts.
 */
export function swarmDaemonConfig(host: string): Record<string, unknown> {
  return {
    engines: { swarm: { kind: 'swarm', host } },
    defaultEngine: 'swarm',
    policies: { swarm: { privilege: { requireNoNewPrivileges: false } } },
  };
}

export interface SwarmStack {
  services: number;
  /** Per-service REVISION values; a changed value is a one-service change. Default "1". */
  revisions?: Record<string, string>;
  /** An extra variable every service carries (makes each project's commit distinct). */
  tag?: string;
}

const command = `[${SLEEPER_COMMAND.map((part) => JSON.stringify(part)).join(', ')}]`;

export function revisionOf(stack: SwarmStack, name: string): string {
  return stack.revisions?.[name] ?? '1';
}

/**
 * One file for both tools: compose format 3.8, which `docker stack deploy` reads and Spin reads as
 * the Compose specification. Busybox sleepers, one replica each, on the stack's implicit overlay
 * network; hardened as the `swarm` policy asks (no security_opt: Swarm refuses it).
 */
export function swarmStackFile(stack: SwarmStack): string {
  const lines = ['version: "3.8"', 'services:'];
  for (const name of serviceNames(stack.services)) {
    const env: Record<string, string> = { SERVICE: name, REVISION: revisionOf(stack, name) };
    if (stack.tag) env.TAG = stack.tag;
    lines.push(
      `  ${name}:`,
      `    image: ${SLEEPER_IMAGE}`,
      `    command: ${command}`,
      `    environment: { ${Object.entries(env)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ')} }`,
      '    cap_drop: [ALL]',
      '    stop_grace_period: 1s',
      '    deploy:',
      '      replicas: 1',
      `      resources: { limits: { memory: ${MEMORY_LIMIT}, cpus: "${CPU_LIMIT}" } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface RawTask {
  ID: string;
  ServiceID?: string;
  DesiredState?: string;
  Status?: { State?: string };
  Spec?: { ContainerSpec?: { Env?: string[]; Labels?: Record<string, string> } };
}

/** A stack as the manager reports it now: its services by short name, their desired-running tasks. */
export interface StackView {
  services: Map<string, Docker.Service>;
  tasks: Map<string, RawTask[]>;
}

export async function stackView(docker: Docker, namespace: string): Promise<StackView> {
  const [services, tasks] = await Promise.all([
    docker.listServices({ filters: { label: [`${STACK_NAMESPACE}=${namespace}`] } }),
    docker.listTasks({ filters: { 'desired-state': ['running'] } }) as Promise<RawTask[]>,
  ]);
  const byId = new Map<string, string>();
  const view: StackView = { services: new Map(), tasks: new Map() };
  for (const s of services) {
    const short = (s.Spec?.Name ?? '').slice(namespace.length + 1);
    byId.set(s.ID, short);
    view.services.set(short, s);
    view.tasks.set(short, []);
  }
  for (const t of tasks) {
    const short = byId.get(t.ServiceID ?? '');
    if (short !== undefined) view.tasks.get(short)?.push(t);
  }
  return view;
}

/**
 * Converged: every service of `stack` runs exactly its one desired task, in state running, with
 * the stack's REVISION for it (so an update counts once the old task is gone and the new runs).
 */
export function converged(view: StackView, stack: SwarmStack): boolean {
  return serviceNames(stack.services).every((name) => {
    const tasks = view.tasks.get(name) ?? [];
    return (
      tasks.length === 1 &&
      tasks.every(
        (t) =>
          t.Status?.State === 'running' &&
          (t.Spec?.ContainerSpec?.Env ?? []).includes(`REVISION=${revisionOf(stack, name)}`),
      )
    );
  });
}

/** performance.now() when a list first showed the stack converged, and that view. */
export async function waitConverged(
  docker: Docker,
  namespace: string,
  stack: SwarmStack,
  timeoutMs: number,
): Promise<{ atPerf: number; view: StackView }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const view = await stackView(docker, namespace);
    const atPerf = performance.now();
    if (converged(view, stack)) return { atPerf, view };
    if (atPerf > deadline) {
      const running = [...view.tasks.values()].flat().filter((t) => t.Status?.State === 'running').length;
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${namespace} to converge (${view.services.size} services, ${running} running tasks)`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Each service's spec version (it moves with every write of the service's spec). */
export function specVersions(view: StackView): Record<string, number> {
  return Object.fromEntries([...view.services].map(([name, s]) => [name, s.Version?.Index ?? 0]));
}

/** The services whose spec version differs between two views. */
export function movedServices(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after)
    .filter((name) => before[name] !== after[name])
    .sort();
}

/**
 * Removes a stack straight through the API (services, then, once their task containers are gone
 * from every node, its networks) and waits for it: the next run starts from an empty lab.
 */
export async function removeStack(manager: Docker, nodes: Docker[], namespace: string): Promise<void> {
  const filters = { label: [`${STACK_NAMESPACE}=${namespace}`] };
  for (const s of await manager.listServices({ filters })) {
    await manager
      .getService(s.ID)
      .remove()
      .catch(() => {});
  }
  const ours = (c: Docker.ContainerInfo) =>
    (c.Labels?.['com.docker.swarm.service.name'] ?? '').startsWith(`${namespace}_`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const left = (
      await Promise.all(nodes.map(async (d) => (await d.listContainers({ all: true })).filter(ours)))
    ).flat();
    const networks = await manager.listNetworks({ filters });
    if (left.length === 0 && networks.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${namespace}: ${left.length} containers and ${networks.length} networks left after 120 s`,
      );
    }
    // A network goes once no task is attached to it any more; until then removal is refused.
    if (left.length === 0) {
      for (const n of networks)
        await manager
          .getNetwork(n.Id)
          .remove()
          .catch(() => {});
    }
    await sleep(500);
  }
}
