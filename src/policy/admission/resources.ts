/** The last gate over HostConfig limits: none of them 0 (= unlimited), none above the ceilings. */
import { parseByteSize } from '../helpers.js';
import type { Findings } from './context.js';

/** Anything at or below it is "no pids limit" to the engine. */
const PIDS_UNLIMITED = 0;

const LIMITS = ['deploy', 'resources', 'limits'];

export function judgeResources(f: Findings, hc: Record<string, unknown>): void {
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
    pids <= PIDS_UNLIMITED ||
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
