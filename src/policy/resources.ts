/** Resources: every service is limited, no service is too big, and the project fits its quota. */
import type { PathSegment } from '../stack/diagnostics.js';
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
  },
  check(ctx) {
    let memory = 0;
    let nanoCpus = 0;
    for (const s of ctx.services) {
      if (!s.spec) continue;
      checkService(ctx, s);
      memory += (s.spec.limits.memoryBytes ?? 0) * s.spec.replicas;
      nanoCpus += (s.spec.limits.nanoCpus ?? 0) * s.spec.replicas;
    }
    checkProject(ctx, memory, nanoCpus);
  },
};

/** The path of the first of `candidates` present in the service, else the service itself. */
function where(s: ServiceEntry, ...candidates: string[][]): PathSegment[] {
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
