/**
 * The stacks the benchmarks deploy, written twice: as a Spin stack (compose spec, hardened so the
 * default policy passes) and as a docker-compose 1.29 file (format 2.4) with the same images,
 * commands, environment and limits. Busybox sleepers that exit at once on SIGTERM.
 */
export const SLEEPER_IMAGE = 'spin-test/busybox:1';
export const SLEEPER_COMMAND = ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];
export const MEMORY_LIMIT = '16m';
export const CPU_LIMIT = '0.1';

export interface SleeperStack {
  services: number;
  /** Per-service REVISION values; a changed value is a one-service change. Default "1". */
  revisions?: Record<string, string>;
  replicas?: number;
  /** `network_mode: none`: no project network (the engine has only ~30 bridge address pools). */
  noNetwork?: boolean;
  /** An extra variable every service carries (makes each project's commit distinct). */
  tag?: string;
}

export function serviceName(index: number): string {
  return `s${String(index + 1).padStart(2, '0')}`;
}

export function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => serviceName(i));
}

const command = `[${SLEEPER_COMMAND.map((part) => JSON.stringify(part)).join(', ')}]`;

function environment(stack: SleeperStack, name: string): string {
  const env: Record<string, string> = { SERVICE: name, REVISION: stack.revisions?.[name] ?? '1' };
  if (stack.tag) env.TAG = stack.tag;
  return `{ ${Object.entries(env)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ')} }`;
}

/** The stack as Spin reads it from git. */
export function spinStack(stack: SleeperStack): string {
  const lines = ['services:'];
  for (const name of serviceNames(stack.services)) {
    lines.push(
      `  ${name}:`,
      `    image: ${SLEEPER_IMAGE}`,
      `    command: ${command}`,
      `    environment: ${environment(stack, name)}`,
      ...(stack.noNetwork ? ['    network_mode: none'] : []),
      '    cap_drop: [ALL]',
      '    security_opt: [no-new-privileges:true]',
      '    deploy:',
      `      replicas: ${stack.replicas ?? 1}`,
      `      resources: { limits: { memory: ${MEMORY_LIMIT}, cpus: "${CPU_LIMIT}" } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** An empty stack: what a project's repository holds before the measured commit. */
export const EMPTY_SPIN_STACK = 'services: {}\n';

/** The same services for docker-compose 1.29 (file format 2.4 has mem_limit/cpus without swarm). */
export function composeFile(stack: SleeperStack): string {
  const lines = ['version: "2.4"', 'services:'];
  for (const name of serviceNames(stack.services)) {
    lines.push(
      `  ${name}:`,
      `    image: ${SLEEPER_IMAGE}`,
      `    command: ${command}`,
      `    environment: ${environment(stack, name)}`,
      ...(stack.noNetwork ? ['    network_mode: none'] : []),
      '    cap_drop: [ALL]',
      '    security_opt: ["no-new-privileges:true"]',
      `    mem_limit: ${MEMORY_LIMIT}`,
      `    cpus: ${CPU_LIMIT}`,
      ...(stack.replicas !== undefined ? [`    scale: ${stack.replicas}`] : []),
    );
  }
  return `${lines.join('\n')}\n`;
}
