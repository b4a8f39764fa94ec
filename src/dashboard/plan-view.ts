import type { Action, PlanSummary } from '../reconciler/plan.js';

/** One planned action in words, as an operator would say it. */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'create-network':
      return `create network ${action.network.name}`;
    case 'create-volume':
      return `create volume ${action.volume.name}`;
    case 'create':
      return `create container ${action.name}`;
    case 'recreate':
      return `recreate container ${action.name} (configuration changed)`;
    case 'start':
      return `start container ${action.name}`;
    case 'remove':
      return `remove container ${action.name} (${action.reason.replace(/-/g, ' ')})`;
    case 'remove-network':
      return `remove network ${action.network}`;
    case 'remove-volume':
      return `remove volume ${action.volume}`;
  }
}

export function describeSummary(s: PlanSummary): string {
  const parts = [
    [s.created, 'to create'],
    [s.recreated, 'to recreate'],
    [s.started, 'to start'],
    [s.removed, 'to remove'],
    [s.networks, s.networks === 1 ? 'network change' : 'network changes'],
    [s.volumes, s.volumes === 1 ? 'volume change' : 'volume changes'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return said.length > 0 ? said.join(', ') : 'no changes';
}
