/** The last gate over a create-network body: the project's name, a private bridge, nothing else. */
import { LABEL, networkName } from '../../stack/names.js';
import { judgeProjectObject } from './project-object.js';
import {
  Findings,
  isObject,
  refuseUnknownKeys,
  type AdmissionContext,
  type AdmissionFinding,
} from './context.js';

const NETWORK = new Set(['Name', 'Driver', 'Internal', 'CheckDuplicate', 'Labels']);

/** `key` is the network's key in the stack (the engine name is `<project>_<key>`). */
export function admitNetwork(body: unknown, key: string, ctx: AdmissionContext): AdmissionFinding[] {
  const f = new Findings(ctx, { kind: 'network', name: key });
  const n = isObject(body) ? body : {};
  // IPAM, Options, Attachable, ConfigFrom, EnableIPv6 … are refused as unknown: a bridge needs none.
  refuseUnknownKeys(f, n, '', NETWORK);
  judgeProjectObject(f, {
    name: n.Name,
    labels: n.Labels,
    expectedName: networkName(ctx.project, key),
    key,
    keyLabel: LABEL.network,
    nameRule: 'isolation.external-network',
    kind: 'network',
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
