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
    minHealthcheckInterval: '1s',
  },
  isolation: { enabled: true, externalNetworks: [], externalVolumes: [], reservedLabelPrefixes: ['spin.'] },
  volumes: { prune: false },
});
