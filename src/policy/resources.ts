/** Resources: every service is limited, no service is too big, and the project fits its quota. */
import type { PathSegment } from '../stack/diagnostics.js';
import { parseDurationMs } from '../util/units.js';
import {
  asRecord,
  formatBytes,
  has,
  parseByteSize,
  type RuleContext,
  type RuleGroup,
  type ServiceEntry,
} from './helpers.js';

export const resources: RuleGroup = {
  name: 'resources',
  rules: {
    'resources.limits-required': 'services without a memory and a CPU limit',
    'resources.memory-ceiling': 'a memory limit above the per-service ceiling',
    'resources.cpu-ceiling': 'a CPU limit above the per-service ceiling',
    'resources.replicas': 'more replicas than the per-service cap',
    'resources.project-quota': 'the sum of limit × replicas over all services above the project quota',
    'resources.memory-minimum': 'memory limits below `minMemory` (`0`, `"0.5"` floor to 0 bytes = unlimited)',
    'resources.cpu-minimum': 'CPU limits below `minCpus` (values that round to 0 NanoCPUs = unlimited)',
    'resources.pids': 'pids limits of -1/0 (unlimited) or above `maxPidsLimit`',
    'resources.containers': 'more containers per project (replicas added up) than `maxContainersPerProject`',
    'resources.published-ports':
      'more published host ports per project (each port of a range, times replicas) than `maxPublishedPortsPerProject`',
    'resources.healthcheck':
      'healthcheck intervals (and start intervals) below `minHealthcheckInterval`; intervals, start periods and timeouts above `maxHealthcheckPeriod`/`maxHealthcheckTimeout`; retries above `maxHealthcheckRetries`',
  },
  check(ctx) {
    let memory = 0;
    let nanoCpus = 0;
    let containers = 0;
    let ports = 0;
    for (const s of ctx.services) {
      if (!s.spec) continue;
      checkService(ctx, s);
      checkMinimums(ctx, s);
      memory += (s.spec.limits.memoryBytes ?? 0) * s.spec.replicas;
      nanoCpus += (s.spec.limits.nanoCpus ?? 0) * s.spec.replicas;
      containers += s.spec.replicas;
      // As the driver renders them: only ports with a host side become port bindings.
      const published = s.spec.ports.filter((p) => p.published !== undefined || p.hostIp !== undefined);
      ports += published.length * s.spec.replicas;
    }
    checkProject(ctx, memory, nanoCpus);
    checkCounts(ctx, containers, ports);
  },
};

/**
 * Limits that reach the engine as 0 mean "unlimited" there, and count 0 toward the quota: refused
 * where they are written, since the model no longer shows that `"0.5"` was a memory limit.
 */
function checkMinimums(ctx: RuleContext, s: ServiceEntry): void {
  const policy = ctx.policy.resources;
  const spec = s.spec;
  if (!spec) return;
  const { memoryBytes, nanoCpus, pids } = spec.limits;
  const minMemory = parseByteSize(policy.minMemory) ?? 0;
  if (memoryBytes !== undefined && memoryBytes < minMemory) {
    ctx.report(
      'resources.memory-minimum',
      where(s, [...LIMITS, 'memory'], ['mem_limit']),
      `memory limit ${formatBytes(memoryBytes)} is below the minimum of ${formatBytes(minMemory)} (0 means unlimited to the engine); write a size such as 256MiB`,
    );
  }
  const minNano = Math.round(policy.minCpus * 1e9);
  if (nanoCpus !== undefined && nanoCpus < minNano) {
    ctx.report(
      'resources.cpu-minimum',
      where(s, [...LIMITS, 'cpus'], ['cpus']),
      `CPU limit ${nanoCpus / 1e9} is below the minimum of ${policy.minCpus} (0 means unlimited to the engine); raise it`,
    );
  }
  if (pids !== undefined && (pids <= 0 || pids > policy.maxPidsLimit)) {
    ctx.report(
      'resources.pids',
      where(s, [...LIMITS, 'pids'], ['pids_limit']),
      `pids limit ${pids} must be between 1 and ${policy.maxPidsLimit} (-1 and 0 mean unlimited); leave it out for the default of ${policy.defaultPidsLimit}`,
    );
  }
  checkHealthcheck(ctx, s);
}

/** Probes neither faster than the minimum nor so slow, long or patient that a rollout waits on them. */
function checkHealthcheck(ctx: RuleContext, s: ServiceEntry): void {
  const policy = ctx.policy.resources;
  const check = s.spec?.healthcheck;
  if (!check) return;
  const minInterval = parseDurationMs(policy.minHealthcheckInterval) ?? 0;
  const at = (key: string) => where(s, ['healthcheck', key], ['healthcheck']);
  for (const [key, ms] of [
    ['interval', check.intervalMs],
    ['start_interval', check.startIntervalMs],
  ] as const) {
    if (ms === undefined || ms === 0 || ms >= minInterval) continue;
    ctx.report(
      'resources.healthcheck',
      at(key),
      `healthcheck ${key} ${ms}ms is below the minimum of ${policy.minHealthcheckInterval}; raise it`,
    );
  }
  for (const [key, ms, setting] of [
    ['interval', check.intervalMs, 'maxHealthcheckPeriod'],
    ['start_interval', check.startIntervalMs, 'maxHealthcheckPeriod'],
    ['start_period', check.startPeriodMs, 'maxHealthcheckPeriod'],
    ['timeout', check.timeoutMs, 'maxHealthcheckTimeout'],
  ] as const) {
    const maxMs = parseDurationMs(policy[setting]) ?? Infinity;
    if (ms === undefined || ms <= maxMs) continue;
    ctx.report(
      'resources.healthcheck',
      at(key),
      `healthcheck ${key} ${ms}ms is above the ceiling of ${policy[setting]} (${setting}); lower it`,
    );
  }
  if (check.retries !== undefined && check.retries > policy.maxHealthcheckRetries) {
    ctx.report(
      'resources.healthcheck',
      at('retries'),
      `healthcheck retries ${check.retries} is above the ceiling of ${policy.maxHealthcheckRetries} (maxHealthcheckRetries); lower it`,
    );
  }
}

function checkCounts(ctx: RuleContext, containers: number, ports: number): void {
  const policy = ctx.policy.resources;
  if (policy.maxContainersPerProject !== null && containers > policy.maxContainersPerProject) {
    ctx.report(
      'resources.containers',
      ['services'],
      `the stack asks for ${containers} containers (replicas added up), above the project cap of ${policy.maxContainersPerProject}; lower replicas`,
    );
  }
  if (policy.maxPublishedPortsPerProject !== null && ports > policy.maxPublishedPortsPerProject) {
    ctx.report(
      'resources.published-ports',
      ['services'],
      `the stack publishes ${ports} host ports (each port of a range, times replicas), above the project cap of ${policy.maxPublishedPortsPerProject}; publish fewer`,
    );
  }
}

/** The path of the first of `candidates` present in the service, else the service itself. */
export function where(s: ServiceEntry, ...candidates: string[][]): PathSegment[] {
  for (const c of candidates) {
    let node: unknown = s.raw;
    let found = true;
    for (const key of c) {
      const obj = asRecord(node);
      if (!has(obj, key)) {
        found = false;
        break;
      }
      node = obj[key];
    }
    if (found) return [...s.path, ...c];
  }
  return s.path;
}

const LIMITS = ['deploy', 'resources', 'limits'];

function checkService(ctx: RuleContext, s: ServiceEntry): void {
  const policy = ctx.policy.resources;
  const spec = s.spec;
  if (!spec) return;
  const { memoryBytes, nanoCpus } = spec.limits;
  if (policy.requireLimits && (memoryBytes === undefined || nanoCpus === undefined)) {
    const missing = [memoryBytes === undefined ? 'memory' : '', nanoCpus === undefined ? 'cpus' : ''].filter(
      Boolean,
    );
    ctx.report(
      'resources.limits-required',
      where(s, LIMITS, ['deploy', 'resources'], ['deploy']),
      `service "${s.name}" has no ${missing.join(' or ')} limit; set deploy.resources.limits.${missing.join(' and ')} (e.g. memory: 1GiB, cpus: "1")`,
    );
  }
  const maxMemory =
    policy.maxMemoryPerService === null ? undefined : parseByteSize(policy.maxMemoryPerService);
  if (maxMemory !== undefined && memoryBytes !== undefined && memoryBytes > maxMemory) {
    ctx.report(
      'resources.memory-ceiling',
      where(s, [...LIMITS, 'memory'], ['mem_limit']),
      `memory limit ${formatBytes(memoryBytes)} is above the per-service ceiling of ${formatBytes(maxMemory)}; lower it or split the service`,
    );
  }
  const maxCpus = policy.maxCpusPerService;
  if (maxCpus !== null && nanoCpus !== undefined && nanoCpus > maxCpus * 1e9) {
    ctx.report(
      'resources.cpu-ceiling',
      where(s, [...LIMITS, 'cpus'], ['cpus']),
      `CPU limit ${nanoCpus / 1e9} is above the per-service ceiling of ${maxCpus}; lower it`,
    );
  }
  const maxReplicas = policy.maxReplicasPerService;
  if (maxReplicas !== null && spec.replicas > maxReplicas) {
    ctx.report(
      'resources.replicas',
      where(s, ['deploy', 'replicas'], ['scale']),
      `${spec.replicas} replicas is above the cap of ${maxReplicas}; lower deploy.replicas`,
    );
  }
}

function checkProject(ctx: RuleContext, memory: number, nanoCpus: number): void {
  const policy = ctx.policy.resources;
  const maxMemory = policy.maxProjectMemory === null ? undefined : parseByteSize(policy.maxProjectMemory);
  if (maxMemory !== undefined && memory > maxMemory) {
    ctx.report(
      'resources.project-quota',
      ['services'],
      `the services' memory limits × replicas add up to ${formatBytes(memory)}, above the project quota of ${formatBytes(maxMemory)}; lower limits or replicas`,
    );
  }
  const maxCpus = policy.maxProjectCpus;
  if (maxCpus !== null && nanoCpus > maxCpus * 1e9) {
    ctx.report(
      'resources.project-quota',
      ['services'],
      `the services' CPU limits × replicas add up to ${nanoCpus / 1e9}, above the project quota of ${maxCpus}; lower limits or replicas`,
    );
  }
}
