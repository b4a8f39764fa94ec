/** Host namespaces: a service shares namespaces only with itself or services of the same stack. */
import { has, text, type RuleContext, type RuleGroup, type ServiceEntry } from './helpers.js';
import type { HostNamespace } from './types.js';

const NAMESPACE_KEYS: ReadonlyArray<readonly [string, HostNamespace]> = [
  ['network_mode', 'network'],
  ['pid', 'pid'],
  ['ipc', 'ipc'],
  ['uts', 'uts'],
  ['userns_mode', 'userns'],
];

/** Keys whose `service:`/`container:` form joins another container's namespace. */
const JOINABLE = new Set(['network_mode', 'pid', 'ipc']);

export const namespaces: RuleGroup = {
  name: 'namespaces',
  rules: {
    'namespaces.host': '`host` for network_mode, pid, ipc, uts or userns_mode',
    'namespaces.foreign-container': '`service:`/`container:` targets that are not services of this stack',
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
    const join = /^(service|container):(.*)$/i.exec(value);
    if (!join || !JOINABLE.has(key)) continue;
    const target = (join[2] ?? '').trim();
    if (isOwnService(ctx, s.name, (join[1] ?? '').toLowerCase(), target)) continue;
    ctx.report(
      'namespaces.foreign-container',
      path,
      `${key} "${value}" joins a container outside this stack; use service:<name> with a service of this stack`,
    );
  }
}

/** `service:<svc>`, or `container:<project>-<svc>-<n>`: the engine name of a replica of this stack. */
function isOwnService(ctx: RuleContext, self: string, kind: string, target: string): boolean {
  if (kind === 'service') return target !== self && ctx.serviceNames.has(target);
  const prefix = `${ctx.project}-`;
  for (const name of ctx.serviceNames) {
    if (name === self) continue;
    if (
      target.startsWith(prefix) &&
      new RegExp(`^${escape(name)}-[1-9][0-9]*$`).test(target.slice(prefix.length))
    ) {
      return true;
    }
  }
  return false;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
