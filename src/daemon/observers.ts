import type { Metrics } from '../metrics/registry.js';
import { describeAction } from '../reconciler/apply.js';
import type { PassOutcome } from '../reconciler/reconcile-project.js';
import type { ContainerState } from '../reconciler/state.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ProjectStatus } from '../status/project-status.js';
import type { Logger } from '../util/logger.js';
import type { Daemon } from './daemon.js';

/**
 * Everything that watches passes without steering them: the history store (bounded, so only
 * passes that did or changed something are kept) and the Prometheus metrics.
 */
export function observePasses(
  daemon: Daemon,
  deps: { store: HistoryStore; metrics: Metrics; log: Logger },
): void {
  const { store, metrics, log } = deps;
  const previous = new Map<string, ProjectStatus>();
  daemon.onPass(async (name, outcome) => {
    const { status } = outcome;
    metrics.observePass(name, status.lastResult ?? 'error', status.lastDurationMs ?? 0);
    metrics.setProjectStatus(name, status.sync, status.health);
    for (const action of outcome.actions) metrics.countAction(name, action.kind, 'ok');
    if (outcome.driftRepairs > 0) metrics.countDriftRepairs(name, outcome.driftRepairs);
    if (outcome.rolledBack) metrics.countRollback(name);
    metrics.setContainers(name, countsByState(outcome.containers));

    const before = previous.get(name) ?? daemon.persistedStatus(name);
    previous.set(name, status);
    if (!worthRecording(outcome, before)) return;
    try {
      store.recordPass({
        project: name,
        commit:
          status.lastResult === 'applied' || status.lastResult === 'converged'
            ? status.appliedCommit
            : status.desiredCommit,
        result: status.lastResult ?? 'error',
        sync: status.sync,
        health: status.health,
        actions: outcome.actions.map((a) => ({
          kind: a.kind,
          name: describeAction(a),
          ok: true,
          durationMs: 0,
        })),
        startedAt: status.lastReconcile ?? new Date().toISOString(),
        durationMs: status.lastDurationMs ?? 0,
        error: status.lastError
          ? { reason: status.lastError.reason, message: status.lastError.message }
          : undefined,
      });
      if (outcome.driftRepairs > 0)
        store.recordEvent(name, 'drift-repair', `${outcome.driftRepairs} action(s) repaired drift`);
      if (outcome.rolledBack) store.recordEvent(name, 'rollback', status.healthReason);
      if (status.lastResult === 'refused' && before?.refusedCommit !== status.refusedCommit) {
        store.recordEvent(name, 'refused', status.lastError?.message ?? 'commit refused', {
          commit: status.refusedCommit,
        });
      }
    } catch (err) {
      log.error({ project: name, err: String(err) }, 'cannot record history');
    }
  });
}

/** Idle converged passes are not history: keep passes that acted, failed or changed the verdict. */
function worthRecording(outcome: PassOutcome, before: ProjectStatus | undefined): boolean {
  const s = outcome.status;
  if (outcome.actions.length > 0 || s.lastError) return true;
  if (!before) return true;
  return (
    before.sync !== s.sync ||
    before.health !== s.health ||
    before.desiredCommit !== s.desiredCommit ||
    before.appliedCommit !== s.appliedCommit ||
    before.lastResult !== s.lastResult
  );
}

function countsByState(containers: { state: ContainerState }[]): Partial<Record<ContainerState, number>> {
  const counts: Partial<Record<ContainerState, number>> = {};
  for (const c of containers) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
}
