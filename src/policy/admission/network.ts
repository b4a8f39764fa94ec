/** The last gate over a create-network body: the project's name, a private bridge, nothing else. */
import { judgeLabels } from './container.js';
import {
  Findings,
  isObject,
  refuseUnknownKeys,
  type AdmissionContext,
  type AdmissionFinding,
} from './context.js';

const NETWORK = new Set(['Name', 'Driver', 'Internal', 'CheckDuplicate', 'Labels']);
export const SPIN_NETWORK_LABELS: readonly string[] = ['spin.managed', 'spin.project', 'spin.network'];

/** `key` is the network's key in the stack (the engine name is `<project>_<key>`). */
export function admitNetwork(body: unknown, key: string, ctx: AdmissionContext): AdmissionFinding[] {
  const f = new Findings(ctx, { kind: 'network', name: key });
  const n = isObject(body) ? body : {};
  // IPAM, Options, Attachable, ConfigFrom, EnableIPv6 … are refused as unknown: a bridge needs none.
  refuseUnknownKeys(f, n, '', NETWORK);
  if (n.Name !== `${ctx.project}_${key}`) {
    f.add(
      'isolation.external-network',
      'Name',
      `network name ${JSON.stringify(n.Name)} is not "${ctx.project}_${key}"`,
      [],
    );
  }
  judgeLabels(f, n.Labels, SPIN_NETWORK_LABELS, ['labels'], {
    'spin.project': ctx.project,
    'spin.network': key,
  });
  if (ctx.policy.isolation.enabled && n.Driver !== undefined && n.Driver !== 'bridge') {
    f.add(
      'isolation.network-driver',
      'Driver',
      `network driver ${JSON.stringify(n.Driver)} is not available (networks are private bridges)`,
      ['driver'],
    );
  }
  for (const key of ['Internal', 'CheckDuplicate'] as const) {
    if (n[key] !== undefined && typeof n[key] !== 'boolean')
      f.add('admission.unknown-field', key, `${key} is not a boolean`, []);
  }
  return f.list;
}
