/**
 * The engine-neutral planner: pairs the desired resources a driver rendered with the live ones it
 * observed, by key, and compares hashes (gitops-engine's `pkg/sync/reconcile.go`). A missing live
 * resource is created, a changed or drifted one updated, a live one nothing desires deleted when
 * its prune rule allows. It knows no engine: what a step does is the driver's to say.
 */
import type { Driver } from '../drivers/driver.js';
import type { Action } from '../drivers/plan-action.js';
import type { DesiredState, LiveResource, Step } from '../drivers/resources.js';
import type { ActualState } from '../model/actual-state.js';

export type { DesiredState } from '../drivers/resources.js';
export { describePlan, summarisePlan, type Action, type RemoveReason } from '../drivers/plan-action.js';

export interface PlanOptions {
  /** Delete resources whose prune rule is `when-allowed` (policy `volumes.prune`; off by default). */
  pruneAllowed: boolean;
}

/** A step with the engine actions the driver says it takes. */
export interface PlannedStep extends Step {
  actions: Action[];
}

export interface Plan {
  steps: PlannedStep[];
  /** Every step's actions in plan order: what `spin plan`, statuses and metrics show. */
  actions: Action[];
}

/**
 * Pure: the steps that converge what runs on what is desired, in apply order: by wave; within a
 * wave deletions first (by key), then creations and updates in the order the driver rendered them.
 * Steps the driver says take no action are left out, so an empty plan means converged.
 */
export function planSteps(
  driver: Pick<Driver, 'render' | 'observe' | 'drift' | 'actionsOf'>,
  desired: DesiredState,
  actual: ActualState,
  options: PlanOptions,
): Plan {
  const wanted = driver.render(desired);
  const live = driver.observe(actual, desired.model.project);
  const liveByKey = new Map<string, LiveResource>(live.map((r) => [r.key, r]));
  const steps: Step[] = [];
  for (const d of wanted) {
    const l = liveByKey.get(d.key);
    const base = { key: d.key, kind: d.kind, wave: d.wave, dependsOn: d.dependsOn, desired: d };
    if (!l) steps.push({ ...base, op: 'create', why: 'missing' });
    else if (l.hash !== d.hash) steps.push({ ...base, op: 'update', live: l, why: 'changed' });
    else {
      const drift = driver.drift(d, l, live);
      if (drift.length > 0) steps.push({ ...base, op: 'update', live: l, why: drift.join('; ') });
    }
  }
  const wantedKeys = new Set(wanted.map((d) => d.key));
  const orphans = live
    .filter((l) => !wantedKeys.has(l.key) && prunable(l, options))
    .sort((a, b) => a.key.localeCompare(b.key));
  for (const l of orphans) {
    steps.push({
      op: 'delete',
      key: l.key,
      kind: l.kind,
      wave: l.wave,
      dependsOn: [],
      live: l,
      why: 'not desired',
    });
  }
  const order = new Map(steps.map((s, i) => [s, i]));
  const rank = (s: Step) => (s.op === 'delete' ? 0 : 1);
  const sorted = [...steps].sort(
    (a, b) => a.wave - b.wave || rank(a) - rank(b) || (order.get(a) ?? 0) - (order.get(b) ?? 0),
  );
  const planned = sorted
    .map((s) => ({ ...s, actions: driver.actionsOf(s, live) }))
    .filter((s) => s.actions.length > 0);
  return { steps: planned, actions: planned.flatMap((s) => s.actions) };
}

function prunable(live: LiveResource, options: PlanOptions): boolean {
  return live.prune === 'always' || (live.prune === 'when-allowed' && options.pruneAllowed);
}
