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
  /**
   * Shortest healthcheck interval (a duration like `1s`), also for the HEALTHCHECK an image
   * brings when the stack sets none: the daemon raises a shorter one to this.
   */
  minHealthcheckInterval: string;
}

export interface IsolationPolicy {
  enabled: boolean;
  /** External networks a stack may join; `{project}` is replaced by the project name. */
  externalNetworks: string[];
  /** External volumes a stack may use; `{project}` is replaced by the project name. */
  externalVolumes: string[];
  /** Label key prefixes only Spin may set. */
  reservedLabelPrefixes: string[];
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
  | 'namespaces.host'
  | 'namespaces.foreign-container'
  | 'mounts.bind-root'
  | 'mounts.docker-socket'
  | 'mounts.sensitive-path'
  | 'mounts.escape'
  | 'mounts.repo-writable'
  | 'mounts.propagation'
  | 'mounts.volume-driver'
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
  | 'isolation.container-name'
  | 'isolation.external-links'
  | 'isolation.volumes-from'
  | 'isolation.network-mode'
  | 'isolation.network-driver'
  | 'isolation.external-network'
  | 'isolation.external-volume'
  | 'isolation.reserved-label';
