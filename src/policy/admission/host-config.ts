/** The last gate over HostConfig: limits, privilege, namespaces, ports and logging. */
import { normaliseCapability, parseByteSize } from '../helpers.js';
import { parsePortRange } from '../syntax.js';
import { Findings, isObject, refuseUnknownKeys } from './context.js';
import { judgeMounts, judgeTmpfs } from './container-mounts.js';
import { judgeLogConfig } from './logging.js';

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

const NO_NEW_PRIVILEGES = /^no-new-privileges([:=](true|1|t)?)?$/i;
const PROPAGATING_PIDS_UNLIMITED = 0;

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
  if (
    restart !== undefined &&
    (!isObject(restart) ||
      !['', 'no', 'always', 'on-failure', 'unless-stopped'].includes(String(restart.Name)))
  ) {
    f.add('admission.unknown-field', 'HostConfig.RestartPolicy', 'the restart policy is not one Spin sends', [
      'restart',
    ]);
  }
}

const LIMITS = ['deploy', 'resources', 'limits'];

function judgeResources(f: Findings, hc: Record<string, unknown>): void {
  if (!f.enabled('resources')) return;
  const policy = f.policy.resources;
  const minMemory = parseByteSize(policy.minMemory) ?? 0;
  const maxMemory =
    policy.maxMemoryPerService === null ? undefined : parseByteSize(policy.maxMemoryPerService);
  const memoryAt = [[...LIMITS, 'memory'], ['mem_limit'], LIMITS];
  const memory = hc.Memory;
  if (memory === undefined) {
    if (policy.requireLimits)
      f.add(
        'resources.limits-required',
        'HostConfig.Memory',
        'the container has no memory limit; set deploy.resources.limits.memory',
        ...memoryAt,
      );
  } else if (typeof memory !== 'number' || !Number.isSafeInteger(memory) || memory < minMemory) {
    f.add(
      'resources.memory-minimum',
      'HostConfig.Memory',
      `memory limit ${String(memory)} bytes is below the minimum of ${String(policy.minMemory)} (0 means unlimited); raise it`,
      ...memoryAt,
    );
  } else if (maxMemory !== undefined && memory > maxMemory) {
    f.add(
      'resources.memory-ceiling',
      'HostConfig.Memory',
      `memory limit ${memory} bytes is above the per-service ceiling of ${String(policy.maxMemoryPerService)}`,
      ...memoryAt,
    );
  }
  const cpusAt = [[...LIMITS, 'cpus'], ['cpus'], LIMITS];
  const nano = hc.NanoCpus;
  if (nano === undefined) {
    if (policy.requireLimits)
      f.add(
        'resources.limits-required',
        'HostConfig.NanoCpus',
        'the container has no CPU limit; set deploy.resources.limits.cpus',
        ...cpusAt,
      );
  } else if (
    typeof nano !== 'number' ||
    !Number.isSafeInteger(nano) ||
    nano < Math.round(policy.minCpus * 1e9)
  ) {
    f.add(
      'resources.cpu-minimum',
      'HostConfig.NanoCpus',
      `CPU limit ${typeof nano === 'number' ? nano / 1e9 : String(nano)} is below the minimum of ${policy.minCpus} (0 means unlimited); raise it`,
      ...cpusAt,
    );
  } else if (policy.maxCpusPerService !== null && nano > policy.maxCpusPerService * 1e9) {
    f.add(
      'resources.cpu-ceiling',
      'HostConfig.NanoCpus',
      `CPU limit ${nano / 1e9} is above the per-service ceiling of ${policy.maxCpusPerService}`,
      ...cpusAt,
    );
  }
  const pids = hc.PidsLimit;
  if (
    typeof pids !== 'number' ||
    !Number.isSafeInteger(pids) ||
    pids <= PROPAGATING_PIDS_UNLIMITED ||
    pids > policy.maxPidsLimit
  ) {
    f.add(
      'resources.pids',
      'HostConfig.PidsLimit',
      `pids limit ${String(pids)} must be between 1 and ${policy.maxPidsLimit} (-1 and 0 mean unlimited)`,
      [...LIMITS, 'pids'],
      ['pids_limit'],
      LIMITS,
    );
  }
  for (const key of ['MemoryReservation', 'ShmSize'] as const) {
    const v = hc[key];
    if (
      v !== undefined &&
      (typeof v !== 'number' ||
        !Number.isSafeInteger(v) ||
        v < 0 ||
        (maxMemory !== undefined && v > maxMemory))
    ) {
      f.add(
        'resources.memory-ceiling',
        `HostConfig.${key}`,
        `${key} ${String(v)} is not a size within the memory ceiling`,
        key === 'ShmSize' ? ['shm_size'] : ['deploy', 'resources', 'reservations', 'memory'],
      );
    }
  }
}

function strings(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function judgePrivilege(f: Findings, hc: Record<string, unknown>): void {
  if (!f.enabled('privilege')) return;
  const policy = f.policy.privilege;
  if (hc.Privileged !== undefined && hc.Privileged !== false && !policy.allowPrivileged) {
    f.add('privilege.privileged', 'HostConfig.Privileged', 'the container would run privileged', [
      'privileged',
    ]);
  }
  const capAdd = strings(hc.CapAdd);
  const capDrop = strings(hc.CapDrop);
  const allowed = new Set(policy.allowedCapabilities.map(normaliseCapability));
  if (!capAdd) f.add('privilege.cap-add', 'HostConfig.CapAdd', 'CapAdd is not a list of names', ['cap_add']);
  for (const [i, cap] of (capAdd ?? []).entries()) {
    const name = normaliseCapability(cap);
    if (name === 'ALL' || !allowed.has(name)) {
      f.add(
        'privilege.cap-add',
        `HostConfig.CapAdd.${i}`,
        `capability ${cap} is not allowed (allowed: ${[...allowed].join(', ') || 'none'})`,
        ['cap_add', i],
        ['cap_add'],
      );
    }
  }
  if (!capDrop || (policy.requireCapDropAll && !capDrop.some((c) => normaliseCapability(c) === 'ALL'))) {
    f.add(
      'privilege.cap-drop-all',
      'HostConfig.CapDrop',
      'the container must drop every capability (cap_drop: [ALL])',
      ['cap_drop'],
    );
  }
  const opts = strings(hc.SecurityOpt);
  let noNewPrivileges = false;
  for (const [i, opt] of (opts ?? []).entries()) {
    if (NO_NEW_PRIVILEGES.test(opt.trim())) noNewPrivileges = true;
    else if (!/^label[=:]level:/.test(opt) && !/^apparmor[=:]docker-default$/.test(opt)) {
      f.add(
        'privilege.security-opt',
        `HostConfig.SecurityOpt.${i}`,
        `security_opt "${opt}" weakens confinement`,
        ['security_opt', i],
        ['security_opt'],
      );
    }
  }
  if (!opts || (policy.requireNoNewPrivileges && !noNewPrivileges)) {
    f.add(
      'privilege.no-new-privileges',
      'HostConfig.SecurityOpt',
      'the container must set no-new-privileges:true',
      ['security_opt'],
    );
  }
  const sysctls = hc.Sysctls;
  if (sysctls !== undefined) {
    const allowedSysctls = new Set(policy.allowedSysctls.map((s) => s.trim().toLowerCase()));
    for (const key of Object.keys(isObject(sysctls) ? sysctls : { '(not a map)': '' })) {
      if (!allowedSysctls.has(key))
        f.add(
          'privilege.sysctls',
          `HostConfig.Sysctls.${key}`,
          `sysctl ${key} is not allowed`,
          ['sysctls', key],
          ['sysctls'],
        );
    }
  }
  judgeUlimits(f, hc.Ulimits);
}

function judgeUlimits(f: Findings, value: unknown): void {
  if (value === undefined) return;
  const limits = f.policy.privilege.ulimits;
  if (!Array.isArray(value)) {
    f.add('privilege.ulimits', 'HostConfig.Ulimits', 'Ulimits is not a list', ['ulimits']);
    return;
  }
  for (const item of value) {
    const u = isObject(item) ? item : {};
    const name = typeof u.Name === 'string' ? u.Name : '';
    const max = Object.hasOwn(limits, name) ? limits[name] : undefined;
    const at = ['ulimits', name];
    if (max === undefined) {
      f.add(
        'privilege.ulimits',
        `HostConfig.Ulimits.${name}`,
        `ulimit "${name}" is not allowed (allowed: ${Object.keys(limits).join(', ') || 'none'})`,
        at,
        ['ulimits'],
      );
      continue;
    }
    const { Soft: soft, Hard: hard } = u;
    const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
    if (
      !whole(soft) ||
      !whole(hard) ||
      soft > hard ||
      hard > max ||
      Object.keys(u).some((k) => !['Name', 'Soft', 'Hard'].includes(k))
    ) {
      f.add(
        'privilege.ulimits',
        `HostConfig.Ulimits.${name}`,
        `ulimit ${name} soft ${String(soft)} / hard ${String(hard)} must be whole numbers, soft <= hard <= ${max}`,
        at,
        ['ulimits'],
      );
    }
  }
}

/** `container:<project>-<service>-<n>` for a service of this stack. */
function isOwnContainer(f: Findings, target: string): boolean {
  const prefix = `${f.ctx.project}-`;
  if (!target.startsWith(prefix)) return false;
  const rest = target.slice(prefix.length);
  return f.ctx.services.some(
    (s) => s !== f.subject.name && new RegExp(`^${escape(s)}-[1-9][0-9]*$`).test(rest),
  );
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function judgeNamespaces(f: Findings, hc: Record<string, unknown>): void {
  const allowHost = f.enabled('namespaces') ? f.policy.namespaces.allowHost : ['network', 'pid', 'ipc'];
  const project = f.ctx.project;
  const modes: [string, string, string, (v: string) => boolean][] = [
    ['NetworkMode', 'network', 'network_mode', (v) => v === 'none' || v.startsWith(`${project}_`)],
    ['PidMode', 'pid', 'pid', (v) => v === ''],
    ['IpcMode', 'ipc', 'ipc', (v) => ['', 'private', 'shareable', 'none'].includes(v)],
  ];
  for (const [key, namespace, yamlKey, own] of modes) {
    const raw = hc[key];
    if (raw === undefined) continue;
    const value = typeof raw === 'string' ? raw : String(raw);
    if (own(value)) continue;
    if (value.toLowerCase() === 'host') {
      if (!allowHost.includes(namespace as never))
        f.add(
          'namespaces.host',
          `HostConfig.${key}`,
          `the container would share the host's ${namespace} namespace`,
          [yamlKey],
        );
      continue;
    }
    if (value.startsWith('container:')) {
      if (!isOwnContainer(f, value.slice('container:'.length)))
        f.add(
          'namespaces.foreign-container',
          `HostConfig.${key}`,
          `"${value}" is not a replica of another service of this stack`,
          [yamlKey],
        );
      continue;
    }
    f.add(
      key === 'NetworkMode' ? 'isolation.network-mode' : 'namespaces.host',
      `HostConfig.${key}`,
      `${yamlKey} "${value}" is not allowed`,
      [yamlKey],
    );
  }
}

/** Host ports one PortBindings entry takes: a range counts each port; an ephemeral one counts 1. */
export function publishedPortCount(bindings: unknown): number {
  let count = 0;
  for (const list of Object.values(isObject(bindings) ? bindings : {})) {
    for (const b of Array.isArray(list) ? list : []) {
      const port = isObject(b) && typeof b.HostPort === 'string' ? b.HostPort : '';
      const range = port === '' ? undefined : parsePortRange(port);
      count += range ? range.high - range.low + 1 : 1;
    }
  }
  return count;
}

function judgePorts(f: Findings, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    f.add('ports.range', 'HostConfig.PortBindings', 'PortBindings is not a map', ['ports']);
    return;
  }
  if (!f.enabled('network')) return;
  const policy = f.policy.network;
  const ranges = policy.portRanges.flatMap((r) => parsePortRange(r) ?? []);
  for (const [key, list] of Object.entries(value)) {
    if (!/^\d{1,5}(-\d{1,5})?\/(tcp|udp|sctp)$/.test(key))
      f.add('ports.range', `HostConfig.PortBindings.${key}`, `"${key}" is not a container port`, ['ports']);
    for (const b of Array.isArray(list) ? list : [list]) {
      const binding = isObject(b) ? b : {};
      refuseUnknownKeys(f, binding, `HostConfig.PortBindings.${key}.`, new Set(['HostIp', 'HostPort']));
      const hostIp = typeof binding.HostIp === 'string' ? binding.HostIp : '';
      if (hostIp !== '' && !policy.hostIps.includes('*') && !policy.hostIps.includes(hostIp)) {
        f.add(
          'ports.host-ip',
          `HostConfig.PortBindings.${key}`,
          `host IP ${hostIp} is not allowed (allowed: ${policy.hostIps.join(', ')})`,
          ['ports'],
        );
      }
      if (
        hostIp === '' &&
        !policy.hostIps.includes('*') &&
        typeof binding.HostPort === 'string' &&
        binding.HostPort !== ''
      ) {
        f.add(
          'ports.host-ip',
          `HostConfig.PortBindings.${key}`,
          'a port on all interfaces is not allowed; give host_ip',
          ['ports'],
        );
      }
      const port = typeof binding.HostPort === 'string' ? binding.HostPort : String(binding.HostPort);
      if (port === '') continue;
      const range = parsePortRange(port);
      if (!range) {
        f.add('ports.range', `HostConfig.PortBindings.${key}`, `host port "${port}" is not a port or range`, [
          'ports',
        ]);
      } else if (range.low < 1024) {
        f.add('ports.privileged', `HostConfig.PortBindings.${key}`, `host port ${range.low} is below 1024`, [
          'ports',
        ]);
      } else if (!ranges.some((r) => range.low >= r.low && range.high <= r.high)) {
        f.add(
          'ports.range',
          `HostConfig.PortBindings.${key}`,
          `host port ${port} is outside the allowed ranges (${policy.portRanges.join(', ')})`,
          ['ports'],
        );
      }
    }
  }
}
