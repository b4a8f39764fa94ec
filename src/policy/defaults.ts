import type { ResolvedPolicy } from './types.js';

export const BUILTIN_DEFAULT_POLICY_NAME = 'spin-default';

/** Capabilities `cap_add` may name under `spin-default` (after `cap_drop: [ALL]`). */
export const DEFAULT_ALLOWED_CAPABILITIES: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'KILL',
  'SETGID',
  'SETUID',
  'NET_BIND_SERVICE',
];

/** Sysctls that only touch the container's own network namespace (Kubernetes' "safe" set). */
export const DEFAULT_SAFE_SYSCTLS: readonly string[] = [
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_fin_timeout',
];

/** Host folders never bind-mounted (`/` itself only; the others with everything below them). */
export const DEFAULT_SENSITIVE_PATHS: readonly string[] = [
  '/',
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/root',
  '/var/run',
  '/run',
  '/var/lib/docker',
  '/home',
];

/**
 * `ulimits` a service may raise, with the highest value for each: near a stock Linux host's own
 * limits (systemd gives dockerd nofile 1048576; 8 MiB stack; memlock 8 MiB; no core files).
 * `rtprio`, `rttime`, `nice`, `msgqueue`, `sigpending`, `locks`, `cpu`, `data`, `fsize`, `as`
 * and `rss` are left out: they are either scheduling privileges or better set as limits.
 */
export const DEFAULT_ULIMITS: Readonly<Record<string, number>> = {
  nofile: 1_048_576,
  nproc: 65_536,
  core: 0,
  stack: 67_108_864,
  memlock: 8_388_608,
};

/** Options of a tmpfs mount that only shape the tmpfs itself (never `bind`, `rbind`, a device). */
export const DEFAULT_TMPFS_OPTIONS: readonly string[] = [
  'size',
  'mode',
  'uid',
  'gid',
  'nr_inodes',
  'noexec',
  'nosuid',
  'nodev',
];

/** Rotation-only options of the two local log drivers: none of them names an address. */
export const DEFAULT_LOG_OPTIONS: Readonly<Record<string, string[]>> = {
  'json-file': ['max-size', 'max-file', 'compress'],
  local: ['max-size', 'max-file', 'compress'],
};

function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `spin-default`: the safe profile used when nothing is configured. Frozen; merge copies it. */
export const BUILTIN_DEFAULT_POLICY: Readonly<ResolvedPolicy> = freeze<ResolvedPolicy>({
  name: BUILTIN_DEFAULT_POLICY_NAME,
  chain: [BUILTIN_DEFAULT_POLICY_NAME],
  privilege: {
    enabled: true,
    allowPrivileged: false,
    requireCapDropAll: true,
    allowedCapabilities: [...DEFAULT_ALLOWED_CAPABILITIES],
    requireNoNewPrivileges: true,
    allowDevices: false,
    allowedSysctls: [...DEFAULT_SAFE_SYSCTLS],
    ulimits: { ...DEFAULT_ULIMITS },
  },
  namespaces: { enabled: true, allowHost: [] },
  mounts: {
    enabled: true,
    allowedRoots: [],
    allowRepositoryFiles: true,
    requireReadOnlyRepositoryFiles: true,
    sensitivePaths: [...DEFAULT_SENSITIVE_PATHS],
    allowSharedPropagation: false,
    volumeDrivers: ['local'],
    volumeTypes: ['tmpfs'],
    tmpfsOptions: [...DEFAULT_TMPFS_OPTIONS],
    maxRepositoryFileBytes: '16MiB',
  },
  identity: { enabled: true, allowedCapabilities: ['NET_BIND_SERVICE'] },
  images: { enabled: true, registries: ['*'], allowLatest: false, requireTagOrDigest: true },
  network: { enabled: true, portRanges: ['1024-65535'], hostIps: ['*'] },
  resources: {
    enabled: true,
    requireLimits: true,
    maxMemoryPerService: '16GiB',
    maxCpusPerService: 8,
    maxReplicasPerService: 20,
    maxProjectMemory: '64GiB',
    maxProjectCpus: null,
    minMemory: '6MiB',
    minCpus: 0.01,
    suggestedMemory: '512MiB',
    suggestedCpus: 1,
    defaultPidsLimit: 1024,
    maxPidsLimit: 4096,
    maxContainersPerProject: 100,
    maxPublishedPortsPerProject: 100,
    minHealthcheckInterval: '1s',
    maxHealthcheckPeriod: '10m',
    maxHealthcheckTimeout: '60s',
    maxHealthcheckRetries: 100,
    maxStopGracePeriod: '60s',
    maxUpdateWait: '10m',
    maxRequestBytes: '256KiB',
    maxLabelBytes: '16KiB',
  },
  isolation: {
    enabled: true,
    externalNetworks: [],
    externalVolumes: [],
    reservedLabelPrefixes: ['spin.'],
    placement: [],
  },
  logging: {
    enabled: true,
    drivers: ['json-file', 'local'],
    options: structuredClone(DEFAULT_LOG_OPTIONS) as Record<string, string[]>,
    requireRotation: true,
    maxSize: '100MiB',
    maxFiles: 10,
    default: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
  },
  volumes: { prune: false },
});
