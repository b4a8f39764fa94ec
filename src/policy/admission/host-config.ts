/** The last gate over HostConfig: the allow list of its keys, then each concern in its own file. */
import { Findings, isObject, refuseUnknownKeys } from './context.js';
import { judgeMounts, judgeTmpfs } from './container-mounts.js';
import { judgeLogConfig } from './logging.js';
import { judgeNamespaces } from './namespaces.js';
import { judgePorts } from './ports.js';
import { judgePrivilege } from './privilege.js';
import { judgeResources } from './resources.js';

const HOST_CONFIG = new Set([
  'NetworkMode',
  'PortBindings',
  'Mounts',
  'RestartPolicy',
  'Memory',
  'NanoCpus',
  'PidsLimit',
  'MemoryReservation',
  'CapAdd',
  'CapDrop',
  'SecurityOpt',
  'ExtraHosts',
  'Dns',
  'DnsSearch',
  'Sysctls',
  'Ulimits',
  'Tmpfs',
  'ShmSize',
  'Privileged',
  'PidMode',
  'IpcMode',
  'Init',
  'ReadonlyRootfs',
  'LogConfig',
]);

const RESTART_POLICY = new Set(['Name', 'MaximumRetryCount']);

/** Keys Spin never sends, named so a refusal says what they would have done. */
const DANGEROUS = {
  Binds: {
    rule: 'mounts.bind-root',
    message: 'HostConfig.Binds is never sent by Spin (mounts are judged as Mounts)',
    field: ['volumes'],
  },
  Devices: {
    rule: 'privilege.devices',
    message: 'host devices are not available to services',
    field: ['devices'],
  },
  DeviceRequests: {
    rule: 'privilege.devices',
    message: 'device requests (GPUs) are not available',
    field: ['gpus'],
  },
  DeviceCgroupRules: {
    rule: 'privilege.devices',
    message: 'device cgroup rules are not available',
    field: ['device_cgroup_rules'],
  },
  UsernsMode: { rule: 'namespaces.host', message: 'userns_mode is not available', field: ['userns_mode'] },
  UTSMode: { rule: 'namespaces.host', message: 'uts is not available', field: ['uts'] },
  CgroupnsMode: {
    rule: 'privilege.cgroup',
    message: 'cgroup namespaces are Spin’s choice',
    field: ['cgroup'],
  },
  CgroupParent: {
    rule: 'privilege.cgroup',
    message: 'cgroup_parent is not available',
    field: ['cgroup_parent'],
  },
  VolumesFrom: {
    rule: 'isolation.volumes-from',
    message: 'volumes_from is not available',
    field: ['volumes_from'],
  },
  Links: { rule: 'isolation.external-links', message: 'links are not available', field: ['external_links'] },
  MemorySwap: {
    rule: 'resources.memory-minimum',
    message: 'memory swap is not set by Spin',
    field: ['memswap_limit'],
  },
  OomKillDisable: {
    rule: 'resources.memory-minimum',
    message: 'oom_kill_disable is not available',
    field: ['oom_kill_disable'],
  },
} as const;

export function judgeHostConfig(f: Findings, value: unknown): void {
  if (!isObject(value)) {
    f.add('admission.unknown-field', 'HostConfig', 'the request has no HostConfig');
    return;
  }
  refuseUnknownKeys(f, value, 'HostConfig.', HOST_CONFIG, DANGEROUS);
  judgeResources(f, value);
  judgePrivilege(f, value);
  judgeNamespaces(f, value);
  judgePorts(f, value.PortBindings);
  judgeMounts(f, value.Mounts);
  judgeTmpfs(f, value.Tmpfs);
  judgeLogConfig(f, value.LogConfig);
  const restart = value.RestartPolicy;
  if (restart === undefined) return;
  if (
    !isObject(restart) ||
    !['', 'no', 'always', 'on-failure', 'unless-stopped'].includes(String(restart.Name))
  ) {
    f.add('admission.unknown-field', 'HostConfig.RestartPolicy', 'the restart policy is not one Spin sends', [
      'restart',
    ]);
    return;
  }
  refuseUnknownKeys(f, restart, 'HostConfig.RestartPolicy.', RESTART_POLICY);
}
