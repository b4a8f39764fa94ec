/**
 * The words a plan is shown in (`spin plan`, the API, the dashboard, metrics, commit statuses):
 * the engine actions a step takes. A driver describes its steps with these; the counts feed the
 * plan summary. (They are container-worded today; another engine maps its own changes onto them,
 * e.g. a service update is a `recreate`.)
 */
import type { PlanSummary } from '../model/plan-summary.js';
import type { NetworkSpec, VolumeSpec } from '../stack/model.js';
import type { JoinTarget } from '../stack/joins.js';

export type RemoveReason = 'service-removed' | 'scale-down' | 'duplicate' | 'invalid-replica' | 'temporary';

export type Action =
  | { kind: 'create-network'; network: NetworkSpec }
  | { kind: 'create-volume'; volume: VolumeSpec }
  | ({ kind: 'create'; service: string; replica: number; name: string } & Joins)
  | ({ kind: 'recreate'; service: string; replica: number; name: string; containerId: string } & Joins)
  | { kind: 'start'; service: string; replica: number; name: string; containerId: string }
  /**
   * A new unit an earlier pass started that is still proving itself (Docker: a `-next`
   * container of the desired hash): looked at again; once ready it takes `name` (and the unit
   * `replaces`, if any, goes); once failed, or not ready by `readyBy` (ms since the epoch), the
   * rollout fails. Counted in no plan summary: the change was counted when it was started.
   */
  | {
      kind: 'await';
      service: string;
      replica: number;
      name: string;
      containerId: string;
      replaces?: string;
      readyBy: number;
      /** Created but never started (a crash in between): started first. */
      unstarted?: boolean;
      /**
       * The unit runs under its own name, started again in place (stopped by hand, an engine
       * restart) and not proven yet (Docker: health `starting`): judged where it is, nothing
       * renamed or replaced; its deadline is its last start plus the readiness window, which the
       * step reads from the engine (`readyBy` is then only the earliest it can be).
       */
      inPlace?: boolean;
    }
  /** A correct container under an older Spin's name: renamed in place, no restart. */
  | { kind: 'rename'; service: string; replica: number; name: string; from: string; containerId: string }
  | {
      kind: 'remove';
      service: string;
      replica: number;
      name: string;
      containerId: string;
      reason: RemoveReason;
    }
  /**
   * No write: look at a unit the engine itself is still rolling out (or has rolled back), so the
   * step can say progressing or failed (engines that roll out on their own, e.g. Swarm).
   */
  | { kind: 'watch'; service: string; name: string; reason: string }
  | { kind: 'remove-network'; network: string; id: string }
  | { kind: 'remove-volume'; volume: string }
  /** An engine-stored secret or config revision (Swarm): never its value, only its name. */
  | { kind: 'create-object'; object: 'secret' | 'config'; key: string; name: string }
  | { kind: 'remove-object'; object: 'secret' | 'config'; key: string; name: string; id: string };

/**
 * A container that shares another's namespaces (`network_mode`/`pid`/`ipc: service:X`): the
 * targets, paired by label with this project's containers (`containerId` when one runs now; the
 * driver resolves them again right before the create call). `refused` says why a join does not
 * resolve to a deployed service of this project: such an action is never sent to the engine.
 */
export interface Joins {
  joins?: (JoinTarget & { containerId?: string })[];
  refused?: string;
}

export function summarisePlan(actions: Action[]): PlanSummary {
  const s: PlanSummary = { created: 0, recreated: 0, started: 0, removed: 0, networks: 0, volumes: 0 };
  for (const a of actions) {
    if (a.kind === 'create') s.created++;
    else if (a.kind === 'recreate') s.recreated++;
    else if (a.kind === 'start') s.started++;
    else if (a.kind === 'remove') s.removed++;
    else if (a.kind === 'rename') s.renamed = (s.renamed ?? 0) + 1;
    else if (a.kind === 'await') continue;
    else if (a.kind === 'watch') continue;
    // A new secret or config revision is counted by the service update that references it.
    else if (a.kind === 'create-object' || a.kind === 'remove-object') continue;
    else if (a.kind === 'create-network' || a.kind === 'remove-network') s.networks++;
    else s.volumes++;
  }
  return s;
}

export function describePlan(actions: Action[]): string {
  if (actions.length === 0) return 'no changes';
  const s = summarisePlan(actions);
  return `+${s.created} created, ${s.recreated} recreated, ${s.started} started, ${s.removed} removed`;
}

/** One planned action in words, as an operator would say it (logs, `spin plan`, the dashboard). */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'create-network':
      return `create network ${action.network.name}`;
    case 'create-volume':
      return `create volume ${action.volume.name}`;
    case 'create':
      return `create container ${action.name}${refusal(action)}`;
    case 'recreate':
      return `recreate container ${action.name} (configuration changed)${refusal(action)}`;
    case 'start':
      return `start container ${action.name}`;
    case 'await':
      return action.inPlace
        ? `wait for container ${action.name} (started again) to become ready`
        : `wait for the new container of ${action.name} to become ready`;
    case 'remove':
      return `remove container ${action.name} (${action.reason.replace(/-/g, ' ')})`;
    case 'rename':
      return `rename container ${action.from} to ${action.name} (name scheme of an older Spin)`;
    case 'watch':
      return `watch service ${action.name} (${action.reason})`;
    case 'remove-network':
      return `remove network ${action.network}`;
    case 'remove-volume':
      return `remove volume ${action.volume}`;
    case 'create-object':
      return `create ${action.object} ${action.name}`;
    case 'remove-object':
      return `remove ${action.object} ${action.name} (an old revision of ${action.key})`;
  }
}

function refusal(action: { refused?: string }): string {
  return action.refused === undefined ? '' : ` refused: ${action.refused}`;
}
