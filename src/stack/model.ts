/**
 * The desired-state model: a stack after interpolation and normalisation, as plain data.
 * Everything the planner hashes and the driver creates comes from here, so every field that
 * changes a container must live in ServiceSpec (and nothing that does not, such as `replicas`,
 * may take part in the config hash — see reconciler/hash.ts).
 */

export interface StackModel {
  /** The project name from the daemon config (or the CLI), never from the stack file. */
  project: string;
  services: Record<string, ServiceSpec>;
  networks: Record<string, NetworkSpec>;
  volumes: Record<string, VolumeSpec>;
}

export interface NetworkSpec {
  /** Key in the stack file, e.g. `default`, `backend`. Engine name is `<project>_<name>`. */
  name: string;
  driver: string;
  internal: boolean;
  labels: Record<string, string>;
}

export interface VolumeSpec {
  /** Key in the stack file. Engine name is `<project>_<name>`. */
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

export interface PortSpec {
  target: number;
  /** Host port; undefined means an ephemeral port chosen by the engine. */
  published?: number;
  hostIp?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export type MountSpec =
  | { type: 'volume'; source: string; target: string; readOnly: boolean; nocopy?: boolean }
  | { type: 'bind'; source: string; target: string; readOnly: boolean; propagation?: string }
  | { type: 'tmpfs'; target: string; sizeBytes?: number; mode?: number };

export interface HealthcheckSpec {
  /** Docker's form: ['CMD', ...], ['CMD-SHELL', '...'] or ['NONE']. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
}

export type DependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOnSpec {
  condition: DependsOnCondition;
  required: boolean;
  restart: boolean;
}

export interface ServiceNetworkAttachment {
  aliases: string[];
  ipv4Address?: string;
  ipv6Address?: string;
}

export interface UpdateConfigSpec {
  parallelism: number;
  delayMs: number;
  order: 'stop-first' | 'start-first';
  failureAction: 'pause' | 'continue' | 'rollback';
  monitorMs: number;
}

export interface ServiceSpec {
  name: string;
  image: string;
  /** Number of containers `<project>-<service>-1..replicas`. Not part of the config hash. */
  replicas: number;
  command?: string[];
  entrypoint?: string[];
  /** Fully interpolated; keys sorted when hashed. */
  environment: Record<string, string>;
  labels: Record<string, string>;
  ports: PortSpec[];
  mounts: MountSpec[];
  /** Network key in the stack -> attachment. Empty only with a non-bridge networkMode. */
  networks: Record<string, ServiceNetworkAttachment>;
  /** `none`, or `service:<name>` / `container:<name>`; undefined means the stack's networks. */
  networkMode?: string;
  dependsOn: Record<string, DependsOnSpec>;
  restart: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  user?: string;
  workingDir?: string;
  hostname?: string;
  domainname?: string;
  stopSignal?: string;
  /** Seconds docker waits after the stop signal before SIGKILL (`stop_grace_period`). */
  stopGracePeriodSeconds: number;
  healthcheck?: HealthcheckSpec;
  init?: boolean;
  tty?: boolean;
  stdinOpen?: boolean;
  readOnly?: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  sysctls: Record<string, string>;
  ulimits: Record<string, { soft: number; hard: number }>;
  tmpfs: string[];
  shmSizeBytes?: number;
  privileged?: boolean;
  pid?: string;
  ipc?: string;
  /** Resource limits (deploy.resources.limits or the legacy mem_limit/cpus). */
  limits: { memoryBytes?: number; nanoCpus?: number; pids?: number };
  reservations: { memoryBytes?: number; nanoCpus?: number };
  logging?: { driver: string; options: Record<string, string> };
  updateConfig: UpdateConfigSpec;
}
