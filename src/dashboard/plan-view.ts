import type { PlanSummary } from '../model/plan-summary.js';

export { describeAction } from '../reconciler/apply.js';

export function describeSummary(s: PlanSummary): string {
  const parts = [
    [s.created, 'to create'],
    [s.recreated, 'to recreate'],
    [s.started, 'to start'],
    [s.removed, 'to remove'],
    [s.renamed ?? 0, 'to rename'],
    [s.networks, s.networks === 1 ? 'network change' : 'network changes'],
    [s.volumes, s.volumes === 1 ? 'volume change' : 'volume changes'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return said.length > 0 ? said.join(', ') : 'no changes';
}
