/**
 * Pure: how a Swarm service is doing, from its UpdateStatus and its tasks (Swarm's own verdicts,
 * the way gitops-engine judges a Deployment from its conditions). A rolled-back or paused update
 * is a failure, whatever the task count says: `docker stack deploy` returns 0 after Swarm rolled
 * a bad update back; Spin must not call that deployed.
 */
import type { HealthVerdict } from '../../model/health.js';
import { LABEL } from '../../stack/names.js';
import { labelsOf, type SwarmServiceState, type SwarmTask } from './live.js';
import { SPEC_HASH } from './names.js';

/** How long tasks may wait for a node the scheduler cannot find before the step fails. */
export const NO_NODE_DEADLINE_MS = 20_000;
/** Failed tasks of the current spec, with none running, after which a new service has failed. */
export const FAILED_TASKS_LIMIT = 3;

export type ServiceCondition =
  | { kind: 'converged' }
  | { kind: 'progressing'; reason: string }
  | {
      kind: 'failed';
      reason: string;
      /** The spec hash that failed ('' when the engine no longer names it: see rolledBackFrom). */
      failedHash: string;
      /** The config hash of the spec that failed, as its tasks carry it. */
      failedConfigHash: string;
    };

const FAILED_UPDATE = new Set(['paused', 'rollback_started', 'rollback_paused', 'rollback_completed']);

export function serviceCondition(s: SwarmServiceState, nowMs: number): ServiceCondition {
  const hash = labelsOf(s.spec)[SPEC_HASH] ?? '';
  const configHash = labelsOf(s.spec)[LABEL.configHash] ?? '';
  const update = s.updateStatus;
  if (update && FAILED_UPDATE.has(update.state)) {
    const paused = update.state === 'paused';
    return {
      kind: 'failed',
      failedHash: paused ? hash : (labelsOf(s.previousSpec)[SPEC_HASH] ?? ''),
      failedConfigHash: paused ? configHash : (rolledBackFrom(s) ?? ''),
      reason: `update ${update.state.replace('_', ' ')}: ${update.message}${taskErrors(s)}`,
    };
  }
  const current = s.tasks.filter((t) => t.configHash === configHash);
  const desired = replicasOf(s);
  const running = current.filter((t) => t.desiredState === 'running' && t.state === 'running').length;
  const stuck = current.find((t) => t.desiredState === 'running' && t.state === 'pending' && t.err !== '');
  if (stuck && nowMs - Math.max(stuck.createdAt, s.updatedAt) > NO_NODE_DEADLINE_MS)
    return {
      kind: 'failed',
      failedHash: hash,
      failedConfigHash: configHash,
      reason: `task ${s.name}.${stuck.slot} cannot be scheduled: ${stuck.err}`,
    };
  const failed = current.filter((t) => t.state === 'failed' || t.state === 'rejected');
  if (running === 0 && desired > 0 && failed.length >= FAILED_TASKS_LIMIT)
    return {
      kind: 'failed',
      failedHash: hash,
      failedConfigHash: configHash,
      reason: `tasks of ${s.name} keep failing${taskErrors(s)}`,
    };
  if (update?.state === 'updating')
    return {
      kind: 'progressing',
      reason: `update in progress (${running}/${desired} running)${update.message ? `: ${update.message}` : ''}`,
    };
  if (running < desired)
    return {
      kind: 'progressing',
      reason: `${running}/${desired} tasks running${stuck ? `: ${stuck.err}` : ''}`,
    };
  return { kind: 'converged' };
}

/**
 * The config hash of the spec Swarm rolled back from. On a rollback the engine swaps the previous
 * spec back in and forgets the failed one (PreviousSpec becomes empty), but it keeps the update's
 * start time, and the failed spec's tasks (task history) still carry its config hash: the newest
 * task since that start whose hash is not the one running now.
 */
export function rolledBackFrom(s: SwarmServiceState): string | undefined {
  const update = s.updateStatus;
  if (!update?.state.startsWith('rollback')) return undefined;
  const previous = labelsOf(s.previousSpec)[LABEL.configHash];
  if (previous) return previous;
  const current = labelsOf(s.spec)[LABEL.configHash] ?? '';
  return latestFirst(s.tasks).find(
    (t) => t.createdAt >= (update.startedAt ?? 0) && t.configHash !== '' && t.configHash !== current,
  )?.configHash;
}

/**
 * Whether a failure is the desired spec's own: by its spec hash when the engine still names it,
 * else by its config hash (after a rollback). A failure of another spec (Swarm rolled it back to
 * the desired one, or a newer commit changed the service since) is not.
 */
export function isFailureOf(
  c: Extract<ServiceCondition, { kind: 'failed' }>,
  desired: { hash: string; spec: { Labels?: Record<string, string> } },
): boolean {
  if (c.failedHash !== '') return c.failedHash === desired.hash;
  const configHash = labelsOf(desired.spec)[LABEL.configHash] ?? '';
  return c.failedConfigHash !== '' && c.failedConfigHash === configHash;
}

/** The service's health for the project status: failures Degraded, a shortfall Progressing. */
export function serviceHealth(s: SwarmServiceState | undefined, name: string, nowMs: number): HealthVerdict {
  if (!s) return { health: 'Missing', reason: `${name} is not deployed` };
  const c = serviceCondition(s, nowMs);
  if (c.kind === 'failed') {
    // Rolled back and running the previous spec in full: the service itself is fine again.
    if (s.updateStatus?.state === 'rollback_completed' && runningCount(s) >= replicasOf(s))
      return { health: 'Healthy', reason: `${name} runs its previous spec (Swarm rolled the update back)` };
    return { health: 'Degraded', reason: `${name}: ${c.reason}` };
  }
  if (c.kind === 'progressing') {
    // Fewer tasks than asked, and no update running: a node went away and Swarm reschedules.
    const degraded =
      s.updateStatus?.state !== 'updating' && runningCount(s) < replicasOf(s) && runningCount(s) > 0;
    return { health: degraded ? 'Degraded' : 'Progressing', reason: `${name}: ${c.reason}` };
  }
  return { health: 'Healthy', reason: '' };
}

export function replicasOf(s: SwarmServiceState): number {
  return s.spec.Mode?.Replicated?.Replicas ?? 1;
}

function runningCount(s: SwarmServiceState): number {
  return s.tasks.filter((t) => t.desiredState === 'running' && t.state === 'running').length;
}

/** The latest distinct task errors (the engine's words, never a secret: Spin sends none). */
export function taskErrors(s: SwarmServiceState): string {
  const errors = [
    ...new Set(
      latestFirst(s.tasks)
        .map((t) => t.err)
        .filter((e) => e !== ''),
    ),
  ].slice(0, 3);
  return errors.length ? ` (task errors: ${errors.join('; ')})` : '';
}

function latestFirst(tasks: SwarmTask[]): SwarmTask[] {
  return [...tasks].sort((a, b) => b.updatedAt - a.updatedAt);
}
