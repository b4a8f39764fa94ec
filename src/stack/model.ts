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
  /** Top-level `secrets:`, only when the stack declares some. Never holds a value. */
  secrets?: Record<string, SecretSpec>;
  /** Top-level `configs:`, only when the stack declares some. */
  configs?: Record<string, ConfigSpec>;
}

/**
 * A secret the stack names. The model never holds its value (nor a digest of it): the value is
 * read by the daemon on every pass, from Spin's secret store or by decrypting an age file.
 */
export interface SecretSpec {
  /** Key in the stack file. */
  name: string;
  /** `store`: Spin's secret store (`spin secret set`); `file`: an age-encrypted file in the repository. */
  source: 'store' | 'file';
  /** For `file`: the path as written, relative to the stack file's folder. */
  file?: string;
}

/** A config: a file from the repository at the deployed commit, or inline (interpolated) content. */
export interface ConfigSpec {
  /** Key in the stack file. */
  name: string;
  /** Path as written, relative to the stack file's folder. */
  file?: string;
  content?: string;
  /** sha256 (hex) of the content; for `file:` set by the loader once it has read the file. */
  digest?: string;
}

/** A secret or config mounted read-only into a service's containers as one file. */
export interface FileMountSpec {
  /** Name of the top-level secret or config. */
  source: string;
  /** Absolute path in the container (`/run/secrets/<target>` for a relative secret target). */
  target: string;
  uid: number;
  gid: number;
  /** Permission bits, e.g. 0o400. */
  mode: number;
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
  /**
   * Long syntax `mode: host`: on a Swarm, published on the node that runs the task, not through
   * the routing mesh (`ingress`, the default, kept out of the model so hashes do not move). A
   * single Docker engine publishes on its host either way.
   */
  mode?: 'host';
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
  /** The image reference as the stack writes it (shown, labelled `spin.image`, judged by policy). */
  image: string;
  /**
   * The manifest digest every replica runs, set by the pass that pins images
   * (src/reconciler/image-pins.ts), never by the stack; absent for images built on the engine.
   */
  imageDigest?: string;
  /**
   * `x-spin: { imageUpdates: digest }`: follow the tag's digest without a commit;
   * `{ semver: '~1.4' }`: follow the highest tag in the range by committing it to the repository.
   */
  imageUpdates?: ImageUpdateMode;
  /** Number of containers `<project>_<service>_1..replicas`. Not part of the config hash. */
  replicas: number;
  command?: string[];
  entrypoint?: string[];
  /** Fully interpolated; keys sorted when hashed. */
  environment: Record<string, string>;
  labels: Record<string, string>;
  ports: PortSpec[];
  mounts: MountSpec[];
  /** Secrets mounted as files, sorted by target; only when the service uses some. */
  secrets?: FileMountSpec[];
  /** Configs mounted as files, sorted by target; only when the service uses some. */
  configs?: FileMountSpec[];
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
  /**
   * `deploy.placement`, only when the stack sets it: Swarm constraints (`node.labels.tier ==
   * gateway`) and spread preferences (`node.labels.zone`). A single engine refuses it
   * (`engine.unsupported`); the policy holds it to `isolation.placement`.
   */
  placement?: { constraints: string[]; preferences: string[] };
}

/** How a service follows its image (x-spin imageUpdates, or the project's setting). */
export type ImageUpdateMode = 'digest' | { semver: string };
