import type { Metrics } from '../metrics/registry.js';
import { describeAction } from '../reconciler/apply.js';
import type { PassOutcome } from '../reconciler/reconcile-project.js';
import type { ContainerState } from '../model/actual-state.js';
import type { HistoryStore, PassInput, PassRecord } from '../store/history-store.js';
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
  const lastRecorded = new Map<string, PassRecord | undefined>();
  /** What each project's services ran at its last recorded pass (`ref@digest`), to record changes. */
  const lastImages = new Map<string, string>();
  daemon.onSuspended((name, suspended) => metrics.setSuspended(name, suspended));
  daemon.onPass(async (name, outcome) => {
    const { status } = outcome;
    metrics.observePass(name, status.lastResult ?? 'error', status.lastDurationMs ?? 0);
    metrics.setProjectStatus(name, status.sync, status.health);
    // What was attempted, by result; actions planned but never reached after a failure are not counted.
    for (const action of outcome.actionResults ?? [])
      metrics.countAction(name, action.kind, action.ok ? 'ok' : 'failed');
    if (status.lastResult === 'converged' || status.lastResult === 'applied')
      metrics.setLastSuccess(name, Date.now());
    // A repeated idle pass (idle-memo.ts) found what the last pass found: same status, same
    // containers, no action, nothing new for the history. Most passes are these.
    if (outcome.repeated) return;
    metrics.setSuspended(name, status.suspended === true);
    if (outcome.driftRepairs > 0) metrics.countDriftRepairs(name, outcome.driftRepairs);
    // Automatic rollbacks (a failed rollout) only: an operator's rollback is counted and recorded
    // once by the API, and passes that keep a pinned commit running are not new rollbacks.
    const automaticRollback = outcome.rolledBack && !status.pinned;
    if (automaticRollback) metrics.countRollback(name);
    metrics.setContainers(name, countsByState(outcome.containers));

    try {
      // Every digest a project runs is history: recorded when it changes (deploys and updates),
      // and each image update with both digests, rolled out or rolled back.
      for (const update of outcome.imageUpdates ?? []) {
        const verb = update.ok ? 'rolled out' : `rolled back (${update.reason ?? 'failed'})`;
        store.recordEvent(
          name,
          'image-update',
          `${update.service}: ${update.ref} ${update.from} -> ${update.to} ${verb}`,
          update,
        );
      }
      for (const written of outcome.imageCommits ?? []) {
        const what = written.updates.map((u) => `${u.service}: ${u.from} -> ${u.to} (${u.range})`).join(', ');
        const verb = written.branch ? `proposed on ${written.branch}` : 'committed';
        store.recordEvent(name, 'image-commit', `${verb} ${written.commit.slice(0, 12)}: ${what}`, written);
      }
      const images = imagesLine(status.images);
      if (images && lastImages.get(name) !== images) {
        if (lastImages.has(name) || store.listEvents(name, 50).every((e) => e.message !== images)) {
          store.recordEvent(name, 'images', images, { commit: status.appliedCommit, images: status.images });
        }
        lastImages.set(name, images);
      }
      const pass = passInput(name, outcome);
      // Compared with the last recorded pass, not the previous one in memory: the verdict
      // survives restarts, and a refused or failing head polled every few seconds is one entry,
      // not a flood that pushes everything else out of the bounded history.
      // The last recorded pass is kept in memory after the first lookup: a query per pass is
      // measurable when hundreds of projects are polled.
      const last = lastRecorded.has(name) ? lastRecorded.get(name) : store.listPasses(name, { limit: 1 })[0];
      lastRecorded.set(name, last);
      if (outcome.actions.length === 0 && last && sameVerdict(last, pass)) return;
      lastRecorded.set(name, store.recordPass(pass));
      if (outcome.driftRepairs > 0)
        store.recordEvent(name, 'drift-repair', `${outcome.driftRepairs} action(s) repaired drift`);
      if (automaticRollback) store.recordEvent(name, 'rollback', status.healthReason);
      if (status.lastResult === 'refused' && !(last?.result === 'refused' && last.commit === pass.commit)) {
        store.recordEvent(name, 'refused', status.lastError?.message ?? 'commit refused', {
          commit: status.refusedCommit,
        });
      }
    } catch (err) {
      log.error({ project: name, pass: outcome.passId, err }, 'cannot record history');
    }
  });
}

function passInput(name: string, outcome: PassOutcome): PassInput {
  const { status } = outcome;
  return {
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
    passId: outcome.passId,
  };
}

/** `service=ref@digest` per service, sorted: one line that changes exactly when what runs changes. */
function imagesLine(images: PassOutcome['status']['images']): string | undefined {
  if (!images) return undefined;
  const parts = Object.entries(images)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, pin]) => `${service}=${pin.ref}${pin.digest ? `@${pin.digest}` : ' (no digest)'}`);
  return parts.length ? `images: ${parts.join(', ')}` : undefined;
}

/** A pass that acted nothing and ends where the last recorded one did is not history. */
function sameVerdict(a: PassInput, b: PassInput): boolean {
  return (
    a.result === b.result &&
    a.sync === b.sync &&
    a.health === b.health &&
    a.commit === b.commit &&
    a.error?.reason === b.error?.reason &&
    a.error?.message === b.error?.message
  );
}

function countsByState(containers: { state: ContainerState }[]): Partial<Record<ContainerState, number>> {
  const counts: Partial<Record<ContainerState, number>> = {};
  for (const c of containers) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
}
