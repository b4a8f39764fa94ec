/**
 * The policy format (what operators write under `policies:` or in a `--policy` file) and the
 * resolved form every rule reads. A resolved policy is the built-in `spin-default` with each
 * policy of the `extends` chain deep-merged over it, so every field is present.
 */

/** Namespaces a policy may let a service share with the host. */
export type HostNamespace = 'network' | 'pid' | 'ipc' | 'uts' | 'userns';

export interface PrivilegePolicy {
  enabled: boolean;
  /** `privileged: true`. */
  allowPrivileged: boolean;
  /** Every service must `cap_drop: [ALL]`. */
  requireCapDropAll: boolean;
  /** `cap_add` allow list; compared without case and without a `CAP_` prefix. */
  allowedCapabilities: string[];
  /** Every service must set `security_opt: [no-new-privileges:true]`. */
  requireNoNewPrivileges: boolean;
  /** `devices`, `device_cgroup_rules`, `gpus` and device reservations. */
  allowDevices: boolean;
  /** Namespaced sysctls a service may set. */
  allowedSysctls: string[];
  /**
   * `ulimits` a service may set: name -> the highest hard (and soft) value. A name not listed
   * (`rtprio`, `rttime`, `nice`, …) is refused.
   */
  ulimits: Record<string, number>;
}

export interface NamespacesPolicy {
  enabled: boolean;
  /** Namespaces that may be `host` (default none). */
  allowHost: HostNamespace[];
}

export interface MountsPolicy {
  enabled: boolean;
  /** Host folders a service may bind-mount; `{project}` is replaced by the project name. */
  allowedRoots: string[];
  /** Bind mounts of files or folders inside the repository. */
  allowRepositoryFiles: boolean;
  /** Repository binds must be read-only (`:ro` / `read_only: true`). */
  requireReadOnlyRepositoryFiles: boolean;
  /** Host folders never mounted (a folder and everything under it; `/` only itself). */
  sensitivePaths: string[];
  /** `shared`/`rshared` bind propagation. */
  allowSharedPropagation: boolean;
  /** Volume drivers a top-level volume may use. */
  volumeDrivers: string[];
  /**
   * `driver_opts.type` values a top-level volume may use (exact, case-sensitive, as mount(2)
   * reads them). Only `tmpfs` by default: `nfs`, `cifs`, `none` + `o: bind` reach other hosts or
   * this host's files.
   */
  volumeTypes: string[];
  /**
   * Mount options (`driver_opts.o`, a service's `tmpfs:` options) allowed on a tmpfs, by name
   * (the part before `=`). `bind`/`rbind` or anything unknown is refused.
   */
  tmpfsOptions: string[];
  /**
   * Largest file of the repository a bind mount may name (`16MiB`, `512k` or bytes), checked
   * from the blob's size before the daemon reads it (rule `mounts.repo-file-size`).
   */
  maxRepositoryFileBytes: string | number;
}

export interface IdentityPolicy {
  enabled: boolean;
  /** Capabilities a service that mounts an allowed root may add. */
  allowedCapabilities: string[];
}

export interface ImagesPolicy {
  enabled: boolean;
  /** Registry allow list: `*`, a host (`docker.io`), `*.example.org`, or `host/path` prefix. */
  registries: string[];
  allowLatest: boolean;
  requireTagOrDigest: boolean;
}

export interface NetworkPolicy {
  enabled: boolean;
  /** Published host port ranges, `LOW-HIGH` or a single port. Ports below 1024 are never allowed. */
  portRanges: string[];
  /** Host IPs a port may be published on; `*` any (including all interfaces). */
  hostIps: string[];
}

export interface ResourcesPolicy {
  enabled: boolean;
  /** Every service must set a memory and a CPU limit. */
  requireLimits: boolean;
  /** Sizes like `16GiB`, `512m` or a number of bytes; null means no ceiling. */
  maxMemoryPerService: string | number | null;
  maxCpusPerService: number | null;
  maxReplicasPerService: number | null;
  maxProjectMemory: string | number | null;
  maxProjectCpus: number | null;
  /** The smallest memory limit; values that floor to fewer bytes (`0`, `"0.5"`) are refused. */
  minMemory: string | number;
  /** The smallest CPU limit; values that round to 0 NanoCPUs are refused. */
  minCpus: number;
  /**
   * The limits `spin validate --fix` writes into a service that sets none. Only a suggestion the
   * researcher sees in the diff: the daemon never fills them in (`requireLimits` refuses instead),
   * because a limit nobody chose is a silent out-of-memory kill waiting to happen.
   */
  suggestedMemory: string | number;
  suggestedCpus: number;
  /** The pids limit given to a service that sets none. */
  defaultPidsLimit: number;
  /** The highest pids limit; -1/0 (unlimited) are always refused. */
  maxPidsLimit: number;
  /** Containers per project (the sum of replicas); null means no ceiling. */
  maxContainersPerProject: number | null;
  /** Published host ports per project (a range counts each port); null means no ceiling. */
  maxPublishedPortsPerProject: number | null;
  /**
   * The shortest healthcheck interval (a duration like `1s`); timeouts and start intervals too.
   * Also held for the HEALTHCHECK an image brings when the stack sets none: the driver raises a
   * shorter interval to this.
   */
  minHealthcheckInterval: string;
  /**
   * The longest healthcheck interval, start interval and start period (a duration like `10m`):
   * a container whose first probe is hours away stays `starting`, and a rollout waits on it.
   */
  maxHealthcheckPeriod: string;
  /** The longest healthcheck timeout: a probe that hangs this long parks the engine's prober. */
  maxHealthcheckTimeout: string;
  /** The most healthcheck retries (consecutive failures before `unhealthy`). */
  maxHealthcheckRetries: number;
  /**
   * The longest `stop_grace_period` (a duration like `60s`): every stop and every rolling update
   * of the service waits this long for it before SIGKILL.
   */
  maxStopGracePeriod: string;
  /**
   * The longest `deploy.update_config.delay` and `monitor` (a duration like `10m`): the daemon
   * sleeps the delay between batches of a rolling update and watches each new container for the
   * monitor window, so longer values hold the project's pass for that long.
   */
  maxUpdateWait: string;
  /**
   * The largest create request (the JSON body for one container, volume or network): Env,
   * Cmd, Labels, ExtraHosts … are free text the engine stores and returns on every inspect.
   */
  maxRequestBytes: string | number;
  /**
   * The largest set of labels (keys and values added up) on one container, volume or network:
   * the engine returns them on every list call, which Spin makes for all projects.
   */
  maxLabelBytes: string | number;
}

/** The log configuration a service's containers get when the stack sets none. */
export interface LoggingConfig {
  driver: string;
  options: Record<string, string>;
}

export interface LoggingPolicy {
  enabled: boolean;
  /** Log drivers a service may use; drivers that send logs to an address are not listed by default. */
  drivers: string[];
  /** Options allowed per driver (rotation only by default; never address, URL or socket options). */
  options: Record<string, string[]>;
  /** Every log config must rotate: `max-size` is required and at most `maxSize`. */
  requireRotation: boolean;
  /** The largest `max-size` per file. */
  maxSize: string | number;
  /** The most rotated files (`max-file`). */
  maxFiles: number;
  /** Given to services without `logging:`; its options also fill a missing `max-size`/`max-file`. */
  default: LoggingConfig;
}

export interface IsolationPolicy {
  enabled: boolean;
  /** External networks a stack may join; `{project}` is replaced by the project name. */
  externalNetworks: string[];
  /** External volumes a stack may use; `{project}` is replaced by the project name. */
  externalVolumes: string[];
  /** Label key prefixes only Spin may set. */
  reservedLabelPrefixes: string[];
  /**
   * Swarm placement a stack may ask for (`deploy.placement.constraints` and `preferences`): each
   * entry is a node label key (`node.labels.tier`: any value) or one exact constraint
   * (`node.labels.tier==gateway`). Nothing by default: the engine places services where it likes.
   */
  placement: string[];
}

export interface VolumesPolicy {
  /** Remove the project's named volumes that the stack no longer declares. */
  prune: boolean;
}

export interface PolicySettings {
  privilege: PrivilegePolicy;
  namespaces: NamespacesPolicy;
  mounts: MountsPolicy;
  identity: IdentityPolicy;
  images: ImagesPolicy;
  network: NetworkPolicy;
  resources: ResourcesPolicy;
  isolation: IsolationPolicy;
  logging: LoggingPolicy;
  volumes: VolumesPolicy;
}

export interface ResolvedPolicy extends PolicySettings {
  /** The policy's name (`spin-default`, a name under `policies:`, or the file for `--policy`). */
  name: string;
  /** Names from this policy down to `spin-default`, e.g. `['strict', 'default', 'spin-default']`. */
  chain: string[];
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** A policy as written: every field optional, plus `extends`. */
export type PolicyObject = DeepPartial<PolicySettings> & { extends?: string; description?: string };

export type RuleGroupName = Exclude<keyof PolicySettings, 'volumes'>;

export type RuleId =
  | 'privilege.privileged'
  | 'privilege.cap-drop-all'
  | 'privilege.cap-add'
  | 'privilege.security-opt'
  | 'privilege.no-new-privileges'
  | 'privilege.devices'
  | 'privilege.cgroup'
  | 'privilege.sysctls'
  | 'privilege.ulimits'
  | 'namespaces.host'
  | 'namespaces.foreign-container'
  | 'mounts.bind-root'
  | 'mounts.docker-socket'
  | 'mounts.sensitive-path'
  | 'mounts.escape'
  | 'mounts.repo-writable'
  | 'mounts.propagation'
  | 'mounts.volume-driver'
  | 'mounts.volume-options'
  | 'mounts.tmpfs-options'
  | 'mounts.repo-file-size'
  | 'identity.non-root-user'
  | 'identity.cap-add'
  | 'image.registry'
  | 'image.tag-required'
  | 'image.latest'
  | 'image.build'
  | 'ports.range'
  | 'ports.privileged'
  | 'ports.host-ip'
  | 'resources.limits-required'
  | 'resources.memory-ceiling'
  | 'resources.cpu-ceiling'
  | 'resources.replicas'
  | 'resources.project-quota'
  | 'resources.memory-minimum'
  | 'resources.cpu-minimum'
  | 'resources.pids'
  | 'resources.containers'
  | 'resources.published-ports'
  | 'resources.healthcheck'
  | 'resources.stop-grace-period'
  | 'resources.stop-signal'
  | 'resources.update-wait'
  | 'resources.request-size'
  | 'network.hostname'
  | 'network.extra-hosts'
  | 'network.dns'
  | 'logging.driver'
  | 'logging.option'
  | 'logging.rotation'
  | 'admission.unknown-field'
  | 'engine.unsupported'
  | 'isolation.container-name'
  | 'isolation.external-links'
  | 'isolation.volumes-from'
  | 'isolation.network-mode'
  | 'isolation.network-driver'
  | 'isolation.external-network'
  | 'isolation.external-volume'
  | 'isolation.reserved-label'
  | 'isolation.placement';
