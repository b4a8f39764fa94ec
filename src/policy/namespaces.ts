/** Host namespaces: a service shares namespaces only with itself or services of the same stack. */
import { has, text, type RuleContext, type RuleGroup, type ServiceEntry } from './helpers.js';
import type { HostNamespace } from './types.js';
import { resolveJoin, type JoinKey } from '../stack/joins.js';

const NAMESPACE_KEYS: ReadonlyArray<readonly [string, HostNamespace]> = [
  ['network_mode', 'network'],
  ['pid', 'pid'],
  ['ipc', 'ipc'],
  ['uts', 'uts'],
  ['userns_mode', 'userns'],
];

/** Keys whose `service:`/`container:` form joins another container's namespace. */
const JOINABLE: ReadonlySet<string> = new Set<JoinKey>(['network_mode', 'pid', 'ipc']);

export const namespaces: RuleGroup = {
  name: 'namespaces',
  rules: {
    'namespaces.host': '`host` for network_mode, pid, ipc, uts or userns_mode',
    'namespaces.foreign-container':
      '`service:`/`container:` targets that are not other deployed services of this stack',
  },
  check(ctx) {
    for (const service of ctx.services) checkService(ctx, service);
  },
};

function checkService(ctx: RuleContext, s: ServiceEntry): void {
  for (const [key, namespace] of NAMESPACE_KEYS) {
    if (!has(s.raw, key)) continue;
    const value = (text(s.raw[key]) ?? '').trim();
    const path = [...s.path, key];
    if (value.toLowerCase() === 'host') {
      if (ctx.policy.namespaces.allowHost.includes(namespace)) continue;
      ctx.report(
        'namespaces.host',
        path,
        `service "${s.name}" may not share the host's ${namespace} namespace; remove \`${key}: host\`${
          key === 'network_mode' ? ' and publish the ports it needs with ports:' : ''
        }`,
      );
      continue;
    }
    if (!JOINABLE.has(key)) continue;
    // Only a deployed service of this stack (not one left out by profiles:), by `service:X` or
    // by its replica's name `container:<project>_<X>_<n>`; where it lands is decided by labels.
    const join = resolveJoin(ctx.project, ctx.input.model, s.name, key as JoinKey, value);
    if (!join || join.ok) continue;
    ctx.report(
      'namespaces.foreign-container',
      path,
      `${join.reason}; a service may join only another deployed service of this stack: use service:<name>`,
    );
  }
}
